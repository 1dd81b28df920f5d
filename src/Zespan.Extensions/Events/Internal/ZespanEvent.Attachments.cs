using System.Diagnostics;

namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// The lifecycle side of <see cref="ZespanEvent"/>: what is attached to an event between its start and its
/// export. The states never coexist (an activity is ended before its event is queued; a capture waits only on an
/// event no activity waits for), so they share one field and a span stays within its allocation budget.
/// </summary>
internal sealed partial class ZespanEvent
{
    private static readonly object FinishedMarker = new();

    // An Activity (an open span mirrored for OpenTelemetry), an IEventCapture (what a producer saw and the
    // lifecycle has not parsed yet), FinishedMarker (every lifecycle step ran), or null.
    private object? _attachment;

    /// <summary>Gets or sets the activity mirroring this event while it is open (only when something listens).</summary>
    internal Activity? Activity
    {
        get => _attachment as Activity;
        set => _attachment = value;
    }

    /// <summary>
    /// Gets what a producer captured and the lifecycle has not parsed yet (set by <see cref="EventLifecycle"/>
    /// when it defers the steps to the export worker).
    /// </summary>
    internal IEventCapture? PendingCapture => _attachment as IEventCapture;

    /// <summary>Gets a value indicating whether every step of the lifecycle has run (the event only waits to be sent).</summary>
    internal bool IsFinished => ReferenceEquals(_attachment, FinishedMarker);

    /// <summary>
    /// Gets or sets a value indicating whether another event was started as this one's child (its
    /// <c>parent_span_id</c> is this event's span id, so the id must not change any more).
    /// </summary>
    internal bool HasChildren { get; set; }

    /// <summary>
    /// Gets or sets the bytes of the export's memory budget (<c>MaxQueueBytes</c>) this event holds while it waits: its
    /// estimated size and its raw captures, set when the queue admits it and given back when its batch is sent,
    /// kept as a smaller batch body, or dropped.
    /// </summary>
    internal long ReservedBytes { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the steps ran on the completing thread (an activity waited) for an event
    /// whose tokens must be estimated: the estimate is left to the export worker, off the caller's path.
    /// </summary>
    internal bool UsageEstimatePending { get; set; }

    /// <summary>Leaves a capture to be parsed by the export worker.</summary>
    internal void Defer(IEventCapture capture) => _attachment = capture;

    /// <summary>Takes the pending capture, if any (the caller parses or disposes it).</summary>
    internal IEventCapture? TakePendingCapture()
    {
        var capture = _attachment as IEventCapture;
        if (capture is not null)
        {
            _attachment = null;
        }

        return capture;
    }

    /// <summary>Marks every lifecycle step as done.</summary>
    internal void MarkFinished() => _attachment = FinishedMarker;
}
