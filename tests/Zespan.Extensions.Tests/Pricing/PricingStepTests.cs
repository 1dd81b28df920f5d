using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Pricing.Internal;

namespace Zespan.Extensions.Tests.Pricing;

public class PricingStepTests
{
    private static ZespanEvent Generation(string model, int? prompt = 100, int? completion = 10, double? cost = null) =>
        new() { LogType = LogTypes.Generation, Model = model, Provider = "openai", PromptTokens = prompt, CompletionTokens = completion, Cost = cost };

    [Fact]
    public void Price_UnknownModel_NullCostUnpricedAndOneWarningPerModel()
    {
        var logger = new FakeLogger();
        var step = new PricingStep(new PriceTableCostEstimator((IList<ModelPrice>?)null), logger);
        var first = Generation("acme-1");
        var second = Generation("acme-1");
        var other = Generation("acme-2");

        step.Price(first);
        step.Price(second);
        step.Price(other);

        Assert.All([first, second, other], e =>
        {
            Assert.Null(e.Cost);
            Assert.Equal(CostStatuses.Unpriced, e.CostStatus);
            Assert.Equal(ModelPriceTable.Version, e.PriceTableVersion);
        });
        var warnings = logger.Collector.GetSnapshot().Where(r => r.Id.Id == ZespanLogEvents.ModelUnpriced).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.Contains("acme-1", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("acme-2", warnings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Price_CostGiven_IsProvidedAndKept()
    {
        var e = Generation("gpt-4o", cost: 0.42);

        PricingStep.Apply(e, new PriceTableCostEstimator((IList<ModelPrice>?)null));

        Assert.Equal(0.42, e.Cost);
        Assert.Equal(CostStatuses.Provided, e.CostStatus);
        Assert.Null(e.PriceTableVersion);
    }

    [Fact]
    public void Price_NoTokens_HasNoCostAndNoStatus()
    {
        var e = Generation("gpt-4o", prompt: null, completion: null);

        Assert.False(PricingStep.Apply(e, new PriceTableCostEstimator((IList<ModelPrice>?)null)));

        Assert.Null(e.Cost);
        Assert.Null(e.CostStatus);
    }

    [Fact]
    public void Price_RenamedModelTheTableLacks_IsPricedByTheResponseModel()
    {
        // An Azure deployment name the table cannot know; the response names the dated snapshot.
        var e = Generation("contoso-prod-chat");
        e.ResponseModel = "gpt-4o-2024-08-06";

        PricingStep.Apply(e, new PriceTableCostEstimator((IList<ModelPrice>?)null));

        Assert.Equal(((100 * 2.50) + (10 * 10.0)) / 1e6, e.Cost!.Value, 12);
        Assert.Equal(CostStatuses.Estimated, e.CostStatus);
    }

    [Fact]
    public void Price_NotAModelCall_IsLeftAlone()
    {
        var e = new ZespanEvent { LogType = LogTypes.Tool, Model = "gpt-4o", PromptTokens = 1 };

        PricingStep.Apply(e, new PriceTableCostEstimator((IList<ModelPrice>?)null));

        Assert.Null(e.CostStatus);
        Assert.Null(e.Cost);
    }

    [Fact]
    public void Price_TwiceAfterAnEstimate_KeepsTheEstimate()
    {
        var e = Generation("gpt-4o");
        var estimator = new PriceTableCostEstimator((IList<ModelPrice>?)null);

        PricingStep.Apply(e, estimator);
        var cost = e.Cost;
        PricingStep.Apply(e, estimator);

        Assert.Equal(cost, e.Cost);
        Assert.Equal(CostStatuses.Estimated, e.CostStatus);
    }
}
