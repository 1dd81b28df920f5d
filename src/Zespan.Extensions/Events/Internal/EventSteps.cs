using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Pricing.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// The steps of the <see cref="EventLifecycle"/>, each of which exists only here, run in one fixed order on every
/// event whoever produced it:
/// <list type="number">
/// <item><description>parse what the producer captured into the event's fields, and price the call;</description></item>
/// <item><description>the processors, lowest <see cref="IZespanEventProcessor.Order"/> first: export filters (an event left
/// out is dropped from every sink, as a sampled-out one is), then redaction, which runs before anything below,
/// and before the wire, sees the event;</description></item>
/// <item><description>enrich and end the event's activity (message content only with <c>OtelCaptureContent</c>);</description></item>
/// <item><description>record the GenAI metrics of a model call.</description></item>
/// </list>
/// The lifecycle runs them when an event completes while an activity waits for it; the export worker runs them
/// through <see cref="Prepare"/> for every other event, before batching it. Either way they run once per event.
/// </summary>
/// <remarks>Filters run before redaction so that an event left out costs no redaction, and so a filter sees the
/// values the app set (a filter on a tag that holds a key matches the key, not <c>[REDACTED]</c>). Filters emit
/// nothing: no sink sees an event before redaction.</remarks>
internal sealed class EventSteps : IEventPreparer
{
    private readonly PerOptions<LifecycleSettings> _settings;
    private readonly ExportStatistics _statistics;
    private readonly DropCounter _drops;
    private readonly IZespanEventProcessor[] _processors;
    private readonly PricingStep _pricing;
    private readonly ITokenCountEstimator _tokenizer;
    private readonly ILogger _logger;

    public EventSteps(
        IOptionsMonitor<ZespanOptions> options,
        ExportStatistics statistics,
        DropCounter drops,
        IEnumerable<IZespanEventProcessor> processors,
        IZespanCostEstimator? costEstimator = null,
        ILoggerFactory? loggerFactory = null,
        ITokenCountEstimator? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        _settings = new PerOptions<LifecycleSettings>(options, static current => new LifecycleSettings(current));
        _statistics = statistics;
        _drops = drops ?? throw new ArgumentNullException(nameof(drops));

        // OrderBy is stable: processors with the same Order keep their registration order.
        _processors = (processors ?? []).OrderBy(static p => p.Order).ToArray();
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
        _pricing = new PricingStep(costEstimator, _logger);
        _tokenizer = tokenizer ?? TiktokenTokenCountEstimator.Instance;
    }

    /// <summary>Gets the settings of the options in force.</summary>
    public LifecycleSettings Settings => _settings.Value;

    /// <summary>
    /// The export worker's call for each event it takes from the queue: runs the steps the event still needs
    /// (none when they ran at completion) and counts what they leave out.
    /// </summary>
    /// <returns>True when the event is to be exported.</returns>
    public bool Prepare(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.IsFinished)
        {
            if (item.UsageEstimatePending)
            {
                FinishDeferredEstimate(item);
            }

            return true;
        }

        return Count(Run(item, item.TakePendingCapture()));
    }

    /// <summary>Counts an event the steps left out (filtered: not a loss; dropped: reported as <c>dropped_since_last</c>).</summary>
    /// <returns>True when the outcome is <see cref="LifecycleOutcome.Export"/>.</returns>
    public bool Count(LifecycleOutcome outcome)
    {
        switch (outcome)
        {
            case LifecycleOutcome.Export:
                return true;
            case LifecycleOutcome.Filtered:
                _statistics.RecordFiltered();
                return false;
            default:
                _drops.Drop(DropReason.ProcessingFailed);
                return false;
        }
    }

    /// <summary>Runs every step on <paramref name="item"/> and disposes <paramref name="capture"/>. Never throws.</summary>
    /// <param name="item">The event.</param>
    /// <param name="capture">What its producer captured, or null.</param>
    /// <param name="onCallerPath">True when the steps run on the completing thread (an activity waits): a token
    /// estimate, which tokenizes text, is then left to <see cref="Prepare"/> on the export thread.</param>
    public LifecycleOutcome Run(ZespanEvent item, IEventCapture? capture, bool onCallerPath = false)
    {
        ArgumentNullException.ThrowIfNull(item);
        var settings = Settings;

        // 1. Parse what the producer captured, then price the call.
        if (capture is not null)
        {
            try
            {
                capture.Fill(item);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The parsers never throw for a malformed body; this is a bug. Keep what was read.
                Failed(settings, nameof(IEventCapture), ex);
            }
            finally
            {
                capture.Dispose();
            }
        }

        if (UsageEstimation.IsNeeded(item))
        {
            if (onCallerPath)
            {
                item.UsageEstimatePending = true;
            }
            else
            {
                EstimateUsage(item, settings);
            }
        }

        Price(item, settings);

        // 2. Export filters, then redaction (and any other processor).
        var outcome = RunProcessors(item, settings);

        // 3. The activity: enriched from the redacted event, or, for an event left out, ended unrecorded.
        ZespanActivities.End(item, outcome == LifecycleOutcome.Export, settings.ContentOnActivities);
        if (outcome != LifecycleOutcome.Export)
        {
            return outcome;
        }

        // 4. Metrics.
        try
        {
            GenAiTelemetry.RecordMetrics(item, settings.MetricTags);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Failed(settings, nameof(GenAiTelemetry), ex);
        }

        return outcome;
    }

    /// <summary>
    /// The estimate of an event finished on the caller's path: its tokens, its price and the usage metrics (its activity
    /// has ended without them; the event that is sent has them).
    /// </summary>
    private void FinishDeferredEstimate(ZespanEvent item)
    {
        item.UsageEstimatePending = false;
        var settings = Settings;
        if (!EstimateUsage(item, settings))
        {
            return;
        }

        Price(item, settings);
        try
        {
            GenAiTelemetry.RecordUsage(item, settings.MetricTags);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Failed(settings, nameof(GenAiTelemetry), ex);
        }
    }

    private bool EstimateUsage(ZespanEvent item, LifecycleSettings settings)
    {
        try
        {
            return UsageEstimation.Estimate(item, _tokenizer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _statistics.RecordInternalError();
            PricingLog.EstimationFailed(_logger, item.Model, ex);
            return false;
        }
    }

    private void Price(ZespanEvent item, LifecycleSettings settings)
    {
        try
        {
            _pricing.Price(item);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Failed(settings, nameof(IZespanCostEstimator), ex);
        }
    }

    private LifecycleOutcome RunProcessors(ZespanEvent item, LifecycleSettings settings)
    {
        var processors = _processors;
        for (var i = 0; i < processors.Length; i++)
        {
            try
            {
                if (!processors[i].Process(item))
                {
                    return LifecycleOutcome.Filtered;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (settings.Debug)
                {
                    ExportLog.ProcessorFailed(_logger, processors[i].GetType().Name, ex);
                }

                return LifecycleOutcome.Dropped;
            }
        }

        return LifecycleOutcome.Export;
    }

    private void Failed(LifecycleSettings settings, string step, Exception exception)
    {
        _statistics.RecordInternalError();
        if (settings.Debug)
        {
            ExportLog.ProcessorFailed(_logger, step, exception);
        }
    }
}
