namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Counters of the event pipeline, updated lock-free and readable from any thread (the health check and
/// the metrics read them). Every event handed to the pipeline ends in exactly one of
/// <see cref="EventsExported"/>, <see cref="EventsFiltered"/>, one of the dropped counters, or is still queued
/// or in flight.
/// </summary>
internal sealed class ExportStatistics
{
    /// <summary>The number of events waiting in the queue; the queue updates it in place.</summary>
    internal int QueueLengthCounter;

    /// <summary>The bytes waiting events and batches hold; <see cref="MemoryBudget"/> updates it in place.</summary>
    internal long HeldBytesCounter;

    /// <summary>The most <see cref="HeldBytesCounter"/> has been; <see cref="MemoryBudget"/> updates it in place.</summary>
    internal long PeakHeldBytesCounter;

    private long _enqueued;
    private long _exported;
    private long _filtered;
    private readonly long[] _dropped = new long[DropReasons.All.Length];
    private long _batchesExported;
    private long _exportFailures;
    private long _retries;
    private long _internalErrors;
    private long _lastSuccessUtcTicks;
    private long _truncated;
    private long _retained;
    private long _stored;
    private long _loaded;
    private long _corrupt;

    /// <summary>Gets the number of events accepted into the queue.</summary>
    public long EventsEnqueued => Interlocked.Read(ref _enqueued);

    /// <summary>Gets the number of events the backend accepted (202).</summary>
    public long EventsExported => Interlocked.Read(ref _exported);

    /// <summary>Gets the number of events an export filter (a processor returning false) left out on purpose.</summary>
    public long EventsFiltered => Interlocked.Read(ref _filtered);

    /// <summary>
    /// Gets the number of events refused at the queue: <see cref="DropReason.QueueFull"/>, <see cref="DropReason.MemoryBudget"/>,
    /// <see cref="DropReason.KeyRejected"/> (and events offered after dispose, counted here but reported to nobody).
    /// </summary>
    public long EventsDroppedQueueFull => Dropped(DropReason.QueueFull) + Dropped(DropReason.MemoryBudget) + Dropped(DropReason.KeyRejected);

    /// <summary>
    /// Gets the number of events lost after the queue took them without a verdict of the backend:
    /// <see cref="DropReason.Shutdown"/>, <see cref="DropReason.OfflineFull"/>, <see cref="DropReason.OfflineCorrupt"/>.
    /// A transient failure loses nothing: its batch waits and is sent again.
    /// </summary>
    public long EventsDroppedFailedDelivery => Dropped(DropReason.Shutdown) + Dropped(DropReason.OfflineFull) + Dropped(DropReason.OfflineCorrupt);

    /// <summary>
    /// Gets the number of events dropped for good: the backend rejected their batch (400 and other 4xx), the event
    /// alone was too large (a 413, or it could not be cut below the limit), or a processor or the serializer threw on it.
    /// </summary>
    public long EventsDroppedRejected => Dropped(DropReason.Rejected) + Dropped(DropReason.TooLarge) + Dropped(DropReason.ProcessingFailed);

    /// <summary>Gets the number of events truncated to fit <c>MaxEventBytes</c> (sent, marked <c>truncated</c>).</summary>
    public long EventsTruncated => Interlocked.Read(ref _truncated);

    /// <summary>Gets the number of batches kept to be sent again after a transient failure or a rejected key (in memory or on disk).</summary>
    public long BatchesRetained => Interlocked.Read(ref _retained);

    /// <summary>Gets the number of batches written to offline storage.</summary>
    public long BatchesStored => Interlocked.Read(ref _stored);

    /// <summary>Gets the number of stored batches read back from offline storage to be sent.</summary>
    public long BatchesLoaded => Interlocked.Read(ref _loaded);

    /// <summary>Gets the number of stored files found corrupt or truncated (removed).</summary>
    public long StoredFilesCorrupt => Interlocked.Read(ref _corrupt);

    /// <summary>Gets the number of events lost for <paramref name="reason"/>.</summary>
    public long Dropped(DropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);

    /// <summary>Gets the number of batches the backend accepted.</summary>
    public long BatchesExported => Interlocked.Read(ref _batchesExported);

    /// <summary>Gets the number of batches that were not delivered (failed or rejected).</summary>
    public long ExportFailures => Interlocked.Read(ref _exportFailures);

    /// <summary>Gets the number of retried attempts (a batch sent three times counts two).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Gets the number of unexpected internal failures caught by the pipeline (a bug, never thrown to the app).</summary>
    public long InternalErrors => Interlocked.Read(ref _internalErrors);

    /// <summary>Gets the time of the last accepted batch, or <see langword="null"/> before the first.</summary>
    public DateTimeOffset? LastSuccessTime
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastSuccessUtcTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Gets the number of events waiting in the queue.</summary>
    public int QueueLength => Volatile.Read(ref QueueLengthCounter);

    /// <summary>Gets the bytes held by waiting events (raw captures included) and by batches kept in memory to be sent again.</summary>
    public long HeldBytes => Interlocked.Read(ref HeldBytesCounter);

    /// <summary>Gets the most bytes held at any time (never above <c>MaxQueueBytes</c>).</summary>
    public long PeakHeldBytes => Interlocked.Read(ref PeakHeldBytesCounter);

    internal void RecordEnqueued() => Interlocked.Increment(ref _enqueued);

    internal void RecordFiltered() => Interlocked.Increment(ref _filtered);

    internal void RecordDropped(DropReason reason, int count) => Interlocked.Add(ref _dropped[(int)reason], count);

    internal void RecordTruncated() => Interlocked.Increment(ref _truncated);

    internal void RecordRetained() => Interlocked.Increment(ref _retained);

    internal void RecordStored() => Interlocked.Increment(ref _stored);

    internal void RecordLoaded() => Interlocked.Increment(ref _loaded);

    internal void RecordCorruptFile() => Interlocked.Increment(ref _corrupt);

    internal void RecordExportFailure()
    {
        Interlocked.Increment(ref _exportFailures);
        Volatile.Write(ref _failing, 1);
    }

    private int _failing;

    /// <summary>An attempt failed and is being retried: exports are failing until a batch is accepted.</summary>
    internal void RecordAttemptFailed() => Volatile.Write(ref _failing, 1);

    /// <summary>Gets a value indicating whether the last export attempt failed (cleared by the next accepted batch).</summary>
    public bool Failing => Volatile.Read(ref _failing) != 0;

    internal void RecordRetries(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _retries, count);
        }
    }

    internal void RecordInternalError() => Interlocked.Increment(ref _internalErrors);

    internal void RecordExported(int count, DateTimeOffset now)
    {
        Interlocked.Add(ref _exported, count);
        Interlocked.Increment(ref _batchesExported);
        Interlocked.Exchange(ref _lastSuccessUtcTicks, now.UtcTicks);
        Volatile.Write(ref _failing, 0);
    }
}
