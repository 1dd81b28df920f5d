namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Why an event was lost: the only ways an event is dropped, each counted in <see cref="ExportStatistics"/>, in
/// <c>dropped_since_last</c> and in the <c>zespan.events.dropped</c> metric (tag <c>zespan.drop.reason</c>,
/// <see cref="DropReasons.Name"/>). A transient failure (408, 429, 5xx, network error, timeout, open circuit) is not one
/// of them: its batch waits and is sent again.
/// </summary>
internal enum DropReason
{
    /// <summary><c>queue_full</c>: <c>MaxQueueSize</c> events were already waiting.</summary>
    QueueFull,

    /// <summary><c>memory_budget</c>: waiting events and batches held <c>MaxQueueBytes</c> (and offline storage could not take more).</summary>
    MemoryBudget,

    /// <summary><c>key_rejected</c>: refused while a 401/403 pauses sending, once the queue could hold no more (the pause outlived the queue).</summary>
    KeyRejected,

    /// <summary><c>rejected</c>: the backend rejected the batch for good (400, or another 4xx such as 404 or 422).</summary>
    Rejected,

    /// <summary><c>too_large</c>: a lone event the backend answered 413 for, or one that could not be cut below <c>MaxEventBytes</c>.</summary>
    TooLarge,

    /// <summary><c>processing_failed</c>: an event processor or the serializer threw on the event.</summary>
    ProcessingFailed,

    /// <summary><c>offline_full</c>: the oldest stored batches were removed to keep <c>MaxOfflineStorageBytes</c>.</summary>
    OfflineFull,

    /// <summary><c>offline_corrupt</c>: a stored batch could not be read back (truncated or damaged file); it was removed.</summary>
    OfflineCorrupt,

    /// <summary><c>shutdown</c>: still in memory when the worker was disposed or the host stopped, with no offline storage to take it.</summary>
    Shutdown,
}

/// <summary>The wire names of <see cref="DropReason"/> (the metric's <c>zespan.drop.reason</c> tag).</summary>
internal static class DropReasons
{
    /// <summary>Gets every reason, in the enum's order.</summary>
    public static readonly DropReason[] All = Enum.GetValues<DropReason>();

    /// <summary>The tag value of <paramref name="reason"/>.</summary>
    public static string Name(DropReason reason) => reason switch
    {
        DropReason.QueueFull => "queue_full",
        DropReason.MemoryBudget => "memory_budget",
        DropReason.KeyRejected => "key_rejected",
        DropReason.Rejected => "rejected",
        DropReason.TooLarge => "too_large",
        DropReason.ProcessingFailed => "processing_failed",
        DropReason.OfflineFull => "offline_full",
        DropReason.OfflineCorrupt => "offline_corrupt",
        _ => "shutdown",
    };
}
