using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// The one path every event is finished through, whoever produced it: spans, agents, tools, plans, handoffs,
/// guardrail checks, <c>LogGeneration</c>, the provider HTTP handlers and the <c>IChatClient</c> middleware.
/// Producers only gather what they saw (an <see cref="IEventCapture"/>) and call <see cref="Complete"/>; the
/// lifecycle stamps the end, runs the <see cref="EventSteps"/> (parse → filter → redact → activity → metrics)
/// and queues the event for export.
/// </summary>
/// <remarks>
/// <para>
/// Where the steps run: when an activity waits for the event (it was started up front, or something listens
/// to the <c>Zespan</c> source), here on the completing thread, so the activity ends with the call it
/// describes. Otherwise the event is queued with its capture and the export worker runs the steps
/// (<see cref="EventSteps.Prepare"/>) before batching it, which keeps the caller's path to copying bytes.
/// </para>
/// <para>Nothing here throws into the caller: a failure is logged and counted, and the event is lost.</para>
/// </remarks>
internal sealed class EventLifecycle(IZespanEventQueue queue, EventSteps steps, ExportStatistics statistics, ILoggerFactory? loggerFactory = null)
{
    private readonly ILogger _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;

    /// <summary>Gets the steps (for the export worker).</summary>
    public EventSteps Steps => steps;

    /// <summary>
    /// Finishes an event its producer is done with. The producer must not touch the event afterwards. Never throws.
    /// </summary>
    /// <param name="item">The event.</param>
    /// <param name="elapsed">The time since the event started, which gives its end time and latency; null when the producer set both.</param>
    /// <param name="capture">What the producer saw and has not parsed; the lifecycle owns it from now on.</param>
    public void Complete(ZespanEvent item, TimeSpan? elapsed, IEventCapture? capture = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            if (elapsed is { } duration)
            {
                item.EndTime = item.StartTime + duration;
                item.Latency = duration.TotalSeconds;
            }

            if (item.Activity is not null || ZespanDiagnostics.ActivitySource.HasListeners())
            {
                // An activity waits for this event: finish it now, so the activity ends with its call.
                var pending = capture;
                capture = null;
                if (!steps.Count(steps.Run(item, pending, onCallerPath: true)))
                {
                    return;
                }

                item.MarkFinished();
            }
            else if (capture is not null)
            {
                item.Defer(capture);
                capture = null;
            }

            if (!queue.TryEnqueue(item))
            {
                // Refused (queue full, SDK disabled): give the capture's pooled buffers back now.
                item.TakePendingCapture()?.Dispose();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            capture?.Dispose();
            statistics.RecordInternalError();
            TracingLog.CompleteFailed(_logger, item.LogType, ex);
        }
    }
}
