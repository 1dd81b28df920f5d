namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Counts lost events twice: by <see cref="DropReason"/> in <see cref="ExportStatistics"/>, and in the number the next
/// batch reports as <c>dropped_since_last</c>. A batch body <see cref="Claim"/>s the losses not yet reported when it is
/// built; they stay with that body (in memory, or on disk with it) until it is accepted. A body that is never
/// accepted (rejected, dropped) hands its claim back (<see cref="Unclaim"/>), so the next batch reports it: every loss
/// is reported once, however many batches wait to be sent again. Lock-free; any thread.
/// </summary>
internal sealed class DropCounter(ExportStatistics statistics)
{
    private long _unreported;
    private long _carried;

    /// <summary>
    /// Gets the number of events lost since the last accepted batch: not yet reported, plus reported by bodies of this
    /// process still waiting to be accepted.
    /// </summary>
    public long SinceLastAccepted => Interlocked.Read(ref _unreported) + Interlocked.Read(ref _carried);

    /// <summary>Gets the number of losses no body has claimed yet.</summary>
    public long Unreported => Interlocked.Read(ref _unreported);

    /// <summary>Counts <paramref name="count"/> events lost for <paramref name="reason"/>.</summary>
    public void Drop(DropReason reason, int count = 1)
    {
        if (count <= 0)
        {
            return;
        }

        Interlocked.Add(ref _unreported, count);
        statistics.RecordDropped(reason, count);
    }

    /// <summary>An event was refused because <c>MaxQueueSize</c> events were waiting.</summary>
    public void QueueFull() => Drop(DropReason.QueueFull);

    /// <summary>A body about to be built reports every loss not yet reported.</summary>
    /// <returns>The number it reports as <c>dropped_since_last</c>.</returns>
    public long Claim()
    {
        var claimed = Interlocked.Exchange(ref _unreported, 0);
        if (claimed != 0)
        {
            Interlocked.Add(ref _carried, claimed);
        }

        return claimed;
    }

    /// <summary>A body of this process that reported <paramref name="reported"/> losses was accepted: the backend knows of them.</summary>
    public void Delivered(long reported) => Interlocked.Add(ref _carried, -reported);

    /// <summary>A body of this process that reported <paramref name="reported"/> was stored on disk: its report goes with it.</summary>
    public void Stored(long reported) => Interlocked.Add(ref _carried, -reported);

    /// <summary>A body that reported <paramref name="reported"/> will never be accepted: the next batch reports them.</summary>
    /// <param name="reported">What the body reported.</param>
    /// <param name="carriedHere">Whether this process built the body and has it counted as carried (false for one read from disk).</param>
    public void Unclaim(long reported, bool carriedHere)
    {
        if (reported == 0)
        {
            return;
        }

        if (carriedHere)
        {
            Interlocked.Add(ref _carried, -reported);
        }

        Interlocked.Add(ref _unreported, reported);
    }
}
