using System.Diagnostics;
using Zespan.Extensions.Redaction.Internal;
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
        var activity = ZespanDiagnostics.ActivitySource.StartActivity(item.Name, kind, parent, startTime: item.StartTime);
        if (activity is not null)
        {
            if (adoptSpanId)
            {
                item.SpanId = activity.SpanId;
            }

            item.Activity = activity;
        }
    }

    /// <summary>Enriches and stops the event's activity (starting one for an instant event). Never throws.</summary>
    /// <param name="item">The event.</param>
    /// <param name="settings">The tracer's settings.</param>
    /// <param name="childless">Whether an event without an activity is known to have no children (its activity may then share its id).</param>
    public static void Stop(ZespanEvent item, TracerSettings settings, bool childless = false)
    {
        try
        {
            if (item.Activity is null)
            {
                var adopt = childless || item.LogType is LogTypes.Plan or LogTypes.Handoff or LogTypes.Guardrail;
                Start(item, GenAiTelemetry.IsModelCall(item.LogType) ? ActivityKind.Client : ActivityKind.Internal, adopt);
            }

            if (item.Activity is not { } activity)
            {
                return;
            }

            item.Activity = null;
            if (activity.IsAllDataRequested && settings.StorePrompts)
            {
                // Content goes on the activity only redacted; the export thread's redaction is idempotent.
                EventRedactor.Redact(item, settings.RedactionKeys);
            }

            GenAiTelemetry.Enrich(activity, item, settings.StorePrompts);
            if (GenAiTelemetry.IsModelCall(item.LogType))
            {
                GenAiTelemetry.RecordMetrics(item);
                item.MetricsRecorded = true;
            }

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
