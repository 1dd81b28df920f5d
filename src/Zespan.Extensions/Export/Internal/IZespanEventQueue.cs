using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Where finished events go. Implemented by the export pipeline: bounded, lock-free, never blocks;
/// when full the event is dropped and counted (sent as <c>dropped_since_last</c>).
/// </summary>
internal interface IZespanEventQueue
{
    /// <summary>Hands a finished event to the pipeline, which owns it from now on.</summary>
    /// <returns><see langword="false"/> when it was dropped (queue full, or the SDK is disabled).</returns>
    bool TryEnqueue(ZespanEvent item);

    /// <summary>Counts events lost before they were queued (a lifecycle step failed): reported as <c>dropped_since_last</c>.</summary>
    void RecordDropped(int count);
}

/// <summary>
/// A step of the event lifecycle (<see cref="Events.Internal.EventSteps"/>) run on each event after it is parsed and
/// before its activity, metrics and export: export filters, redaction. Runs on an event nobody else touches any more.
/// </summary>
internal interface IZespanEventProcessor
{
    /// <summary>The order processors run in, lowest first (filters before redaction, so dropped events cost nothing).</summary>
    int Order { get; }

    /// <summary>Processes the event in place.</summary>
    /// <returns><see langword="false"/> to drop the event (it is not exported and not counted as lost).</returns>
    bool Process(ZespanEvent item);
}

/// <summary>
/// Something that runs once per flush cycle on the background flusher (remote configuration polling).
/// </summary>
internal interface IFlushCycleParticipant
{
    /// <summary>Runs once per cycle; must not throw (failures are logged and counted by the participant).</summary>
    Task OnFlushCycleAsync(CancellationToken cancellationToken);
}
