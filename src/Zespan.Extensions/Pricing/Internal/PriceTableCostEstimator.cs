using Microsoft.Extensions.Options;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>Estimates the cost of a logged generation from the built-in price table and <see cref="ZespanOptions.ModelPrices"/>.</summary>
internal sealed class PriceTableCostEstimator(IOptionsMonitor<ZespanOptions> options) : IZespanCostEstimator
{
    public double? EstimateCost(string? provider, string model, int? promptTokens, int? completionTokens) =>
        ModelPriceTable.EstimateCost(model, provider, promptTokens, completionTokens, options.CurrentValue.ModelPrices);
}
