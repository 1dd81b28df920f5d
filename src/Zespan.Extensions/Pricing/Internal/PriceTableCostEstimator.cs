using Microsoft.Extensions.Options;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// Prices calls from the built-in price table, <see cref="ZespanOptions.ModelPrices"/> and the remote <c>model_price</c>
/// rules laid into them, read from the options in force at each call (so a remote rule applies, and its removal
/// restores the local price, without a restart).
/// </summary>
internal sealed class PriceTableCostEstimator : IZespanCostEstimator
{
    private readonly Func<IList<ModelPrice>?> _prices;

    public PriceTableCostEstimator(IOptionsMonitor<ZespanOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _prices = () => options.CurrentValue.ModelPrices;
    }

    /// <summary>An estimator over fixed prices (the built-in table and <paramref name="prices"/>).</summary>
    public PriceTableCostEstimator(IList<ModelPrice>? prices) => _prices = () => prices;

    public CostEstimate Estimate(string? provider, string model, in TokenCounts usage)
    {
        if (!ModelPriceTable.TryFind(model, provider, _prices(), out var price, out var version))
        {
            return new CostEstimate(null, ModelPriceTable.Version);
        }

        return new CostEstimate(usage.IsEmpty ? null : price.Cost(usage), version);
    }
}
