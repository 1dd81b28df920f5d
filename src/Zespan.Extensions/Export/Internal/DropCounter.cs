namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Counts lost events twice: by reason in <see cref="ExportStatistics"/>, and in the running total the next
/// batch reports as <c>dropped_since_last</c>. That total is lowered only by what an accepted batch carried,
/// so losses counted while a batch is in flight go out with the next one. Lock-free; any thread.
/// </summary>
internal sealed class DropCounter(ExportStatistics statistics)
{
    private long _sinceLastAccepted;

    /// <summary>Gets the number of events lost since the last accepted batch (sent as <c>dropped_since_last</c>).</summary>
    public long SinceLastAccepted => Interlocked.Read(ref _sinceLastAccepted);

    /// <summary>An event was refused because the queue was full.</summary>
    public void QueueFull()
    {
        Interlocked.Increment(ref _sinceLastAccepted);
        statistics.RecordDroppedQueueFull();
    }

    /// <summary>Events were dropped for good (rejected by the backend, too large, a processor or the serializer threw).</summary>
    public void Rejected(int count)
    {
        Interlocked.Add(ref _sinceLastAccepted, count);
        statistics.RecordDroppedRejected(count);
    }

    /// <summary>Events were lost with a batch that could not be delivered.</summary>
    public void FailedDelivery(int count)
    {
        Interlocked.Add(ref _sinceLastAccepted, count);
        statistics.RecordDroppedFailedDelivery(count);
    }

    /// <summary>A batch that reported <paramref name="reported"/> losses was accepted: the backend knows of them now.</summary>
    public void Acknowledge(long reported) => Interlocked.Add(ref _sinceLastAccepted, -reported);
}
