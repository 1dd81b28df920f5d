using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Where finished events go. Implemented by <see cref="BoundedEventQueue"/>: bounded, lock-free, never blocks;
/// when full the event is dropped and counted (sent as <c>dropped_since_last</c>).
/// </summary>
internal interface IZespanEventQueue
{
    /// <summary>Hands a finished event to the export, which owns it from now on.</summary>
    /// <returns><see langword="false"/> when it was dropped (queue full, or the SDK is disabled).</returns>
    bool TryEnqueue(ZespanEvent item);
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
