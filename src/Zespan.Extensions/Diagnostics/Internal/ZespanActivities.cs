using System.Diagnostics;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// Mirrors Zespan spans as activities of the <c>Zespan</c> source when something listens. A span with
/// children starts its activity up front (it becomes <see cref="Activity.Current"/>, and the Zespan event takes
/// its span id, so both views share ids); an instant event (plan, handoff, guardrail, a logged generation) gets
/// an activity with its own start and end times when it completes.
/// </summary>
internal static class ZespanActivities
{
    /// <summary>Starts the event's activity (when something listens and samples it in) and attaches it to the event.</summary>
    /// <param name="item">The event.</param>
    /// <param name="kind">The activity kind.</param>
    /// <param name="adoptSpanId">
    /// Whether the event takes the activity's span id. True for a span started up front and for an event that can
    /// have no children yet; false for an event that may already be a parent (a generation with guardrail checks),
    /// whose children carry its id.
    /// </param>
    public static void Start(ZespanEvent item, ActivityKind kind, bool adoptSpanId = true)
    {
        var parent = new ActivityContext(item.TraceId, item.ParentSpanId ?? default, ActivityTraceFlags.Recorded);
        var name = GenAiTelemetry.IsModelCall(item.LogType) ? GenAiTelemetry.GetOperationName(item.LogType, item.Name) : item.Name;
        var activity = ZespanDiagnostics.ActivitySource.StartActivity(name, kind, parent, startTime: item.StartTime);
        if (activity is not null)
        {
            if (adoptSpanId)
            {
                item.SpanId = activity.SpanId;
            }

            item.Activity = activity;
        }
    }

    /// <summary>
    /// Ends the event's activity, the lifecycle's activity step (starting one for an event that has none while
    /// something listens). A kept event's activity carries the GenAI and Zespan attributes of the event, which is
    /// already redacted; an event left out (export filters) ends its activity unrecorded, so exporters drop it.
    /// Never throws.
    /// </summary>
    /// <param name="item">The finished, redacted event.</param>
    /// <param name="keep">Whether the event is exported; false ends an existing activity unrecorded and starts none.</param>
    /// <param name="includeContent">Whether message content and tool arguments and results go on the activity (<c>OtelCaptureContent</c>).</param>
    public static void End(ZespanEvent item, bool keep, bool includeContent)
    {
        try
        {
            var activity = item.Activity;
            if (activity is null)
            {
                if (!keep || item.SpanRecordedElsewhere || !ZespanDiagnostics.ActivitySource.HasListeners())
                {
                    // An event that mirrors another library's activity (an agent framework's span) gets none of
                    // its own: that activity already describes it.
                    return;
                }

                // An instant event (plan, handoff, guardrail, a logged generation) or one completed without an
                // activity of its own: it may take the activity's id unless another event already carries its id as parent.
                Start(item, GenAiTelemetry.IsModelCall(item.LogType) ? ActivityKind.Client : ActivityKind.Internal, adoptSpanId: !item.HasChildren);
                activity = item.Activity;
                if (activity is null)
                {
                    return;
                }
            }

            item.Activity = null;
            if (!keep)
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                activity.Stop();
                return;
            }

            GenAiTelemetry.Enrich(activity, item, includeContent);
            activity.SetEndTime(item.EndTime.UtcDateTime);
            activity.Stop();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Telemetry never breaks the app.
            Debug.WriteLine(ex);
        }
    }
}
