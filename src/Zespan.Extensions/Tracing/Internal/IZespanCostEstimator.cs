using Zespan.Extensions.Pricing.Internal;

namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// Prices an LLM call from its model and token counts (the price table). The lifecycle's pricing step
/// (<see cref="PricingStep"/>) asks it for every model call whose cost nobody gave, whoever produced the event,
/// and sets <c>cost</c>, <c>cost_status</c> and <c>price_table_version</c> from the answer.
/// </summary>
internal interface IZespanCostEstimator
{
    /// <summary>Prices a call. Must not throw.</summary>
    /// <param name="provider">The event's provider, or null.</param>
    /// <param name="model">The model id as the event names it.</param>
    /// <param name="usage">What the call used.</param>
    /// <returns>The cost (null when no price is known) and the version of the prices consulted.</returns>
    CostEstimate Estimate(string? provider, string model, in TokenCounts usage);
}

/// <summary>The answer of an <see cref="IZespanCostEstimator"/>.</summary>
/// <param name="Cost">The cost in USD, or null when the model has no price.</param>
/// <param name="PriceTableVersion">The prices it came from (or that were looked up in vain).</param>
internal readonly record struct CostEstimate(double? Cost, string? PriceTableVersion);
