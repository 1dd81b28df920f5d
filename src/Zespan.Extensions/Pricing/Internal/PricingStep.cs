using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// The pricing half of the lifecycle's first step, the same for every producer: sets a model call's <c>cost</c>,
/// <c>cost_status</c> and <c>price_table_version</c>, and warns once per model that has no price (once per process: the
/// step belongs to the lifecycle, a singleton of the app's service provider).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description>A cost the provider or the caller gave is kept: <c>provided</c>.</description></item>
/// <item><description>Otherwise the estimator prices the tokens (cache reads and writes at their own prices, long prompts at
/// their tier): <c>estimated</c>, with the version of the prices used. The model the request was sent with is tried
/// first, then the one the response names (a dated snapshot the table knows).</description></item>
/// <item><description>No price: <c>cost</c> stays null (never 0), <c>unpriced</c>, one warning per model.</description></item>
/// <item><description>Nothing to price (no token counts, reported or estimated): no cost and no status.</description></item>
/// </list>
/// </remarks>
internal sealed partial class PricingStep
{
    /// <summary>The most model ids remembered as warned about; beyond it the warning is not repeated for new ids either.</summary>
    internal const int MaxWarnedModels = 1024;

    private readonly IZespanCostEstimator? _estimator;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _warned = new(StringComparer.Ordinal);

    public PricingStep(IZespanCostEstimator? estimator, ILogger? logger)
    {
        _estimator = estimator;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Prices <paramref name="item"/> (a no-op for events that are not model calls, or already priced). Never throws for a missing price.</summary>
    public void Price(ZespanEvent item)
    {
        if (Apply(item, _estimator))
        {
            WarnOnce(item.Model ?? item.ResponseModel ?? "(none)", item.Provider);
        }
    }

    /// <summary>The pricing rules without the warning (for callers that price a scratch event).</summary>
    /// <returns>True when the call was left <c>unpriced</c>.</returns>
    public static bool Apply(ZespanEvent item, IZespanCostEstimator? estimator)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!GenAiTelemetry.IsModelCall(item.LogType) || item.CostStatus is CostStatuses.Estimated or CostStatuses.Provided)
        {
            return false;
        }

        if (item.Cost is not null)
        {
            item.CostStatus = CostStatuses.Provided;
            item.PriceTableVersion = null;
            return false;
        }

        var usage = new TokenCounts(item.PromptTokens, item.CompletionTokens, item.PromptTokensDetails?.CachedTokens, item.PromptTokensDetails?.CacheCreationTokens);
        if (usage.IsEmpty)
        {
            item.CostStatus = null;
            item.PriceTableVersion = null;
            return false;
        }

        var estimate = default(CostEstimate);
        if (estimator is not null)
        {
            if ((item.Model ?? item.ResponseModel) is { } model)
            {
                estimate = estimator.Estimate(item.Provider, model, usage);
            }

            if (estimate.Cost is null && item.ResponseModel is { } responseModel && item.Model is not null
                && !string.Equals(responseModel, item.Model, StringComparison.Ordinal))
            {
                var byResponse = estimator.Estimate(item.Provider, responseModel, usage);
                if (byResponse.Cost is not null)
                {
                    estimate = byResponse;
                }
            }
        }

        if (estimate.Cost is { } cost && double.IsFinite(cost))
        {
            item.Cost = cost;
            item.CostStatus = CostStatuses.Estimated;
            item.PriceTableVersion = estimate.PriceTableVersion;
            return false;
        }

        item.Cost = null;
        item.CostStatus = CostStatuses.Unpriced;
        item.PriceTableVersion = estimate.PriceTableVersion ?? ModelPriceTable.Version;
        return true;
    }

    private void WarnOnce(string model, string? provider)
    {
        if (_warned.Count >= MaxWarnedModels || !_warned.TryAdd(model, 0))
        {
            return;
        }

        LogUnpriced(_logger, model, provider ?? "unknown");
    }

    [LoggerMessage(EventId = ZespanLogEvents.ModelUnpriced, EventName = nameof(ZespanLogEvents.ModelUnpriced), Level = LogLevel.Warning, Message = "Zespan has no price for model '{Model}' (provider {Provider}): its calls are sent with cost null and cost_status unpriced. Add it to Zespan:ModelPrices, or set a model_price rule, to price it.")]
    private static partial void LogUnpriced(ILogger logger, string model, string provider);
}
