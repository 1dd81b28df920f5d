using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The one step between the queue and a batch: the export worker hands every dequeued event to
/// <see cref="Prepare"/>, on the export thread, before the event is serialized: the event lifecycle's
/// <see cref="Events.Internal.EventSteps"/> (parse, price, filters, redaction, activity, metrics), which do nothing for an event they already finished when it completed.
/// </summary>
internal interface IEventPreparer
{
    /// <summary>Makes <paramref name="item"/> ready for export, in place; the preparer counts what it leaves out.</summary>
    /// <returns><see langword="false"/> when the event is not exported (filtered out, or dropped because a step failed).</returns>
    bool Prepare(ZespanEvent item);
}
