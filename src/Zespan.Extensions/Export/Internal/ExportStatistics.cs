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

    private long _enqueued;
    private long _exported;
    private long _filtered;
    private long _droppedQueueFull;
    private long _droppedFailedDelivery;
    private long _droppedRejected;
    private long _batchesExported;
    private long _exportFailures;
    private long _retries;
    private long _internalErrors;
    private long _lastSuccessUtcTicks;

    /// <summary>Gets the number of events accepted into the queue.</summary>
    public long EventsEnqueued => Interlocked.Read(ref _enqueued);

    /// <summary>Gets the number of events the backend accepted (202).</summary>
    public long EventsExported => Interlocked.Read(ref _exported);

    /// <summary>Gets the number of events an export filter (a processor returning false) left out on purpose.</summary>
    public long EventsFiltered => Interlocked.Read(ref _filtered);

    /// <summary>Gets the number of events dropped because the queue was full (or the pipeline was disposed).</summary>
    public long EventsDroppedQueueFull => Interlocked.Read(ref _droppedQueueFull);

    /// <summary>
    /// Gets the number of events dropped because their batch could not be delivered: retries ran out, the
    /// circuit was open, the key was rejected (401/403), or shutdown ended the attempt.
    /// </summary>
    public long EventsDroppedFailedDelivery => Interlocked.Read(ref _droppedFailedDelivery);

    /// <summary>
    /// Gets the number of events dropped for good: the backend rejected their batch (400 and other 4xx), the
    /// event alone was over the size limit (locally or by a 413), or a processor or the serializer threw on it.
    /// </summary>
    public long EventsDroppedRejected => Interlocked.Read(ref _droppedRejected);

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

    internal void RecordEnqueued() => Interlocked.Increment(ref _enqueued);

    internal void RecordFiltered() => Interlocked.Increment(ref _filtered);

    internal void RecordDroppedQueueFull() => Interlocked.Increment(ref _droppedQueueFull);

    internal void RecordDroppedFailedDelivery(int count) => Interlocked.Add(ref _droppedFailedDelivery, count);

    internal void RecordDroppedRejected(int count) => Interlocked.Add(ref _droppedRejected, count);

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
