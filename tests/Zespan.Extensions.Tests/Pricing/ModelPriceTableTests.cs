using Zespan.Extensions.Pricing.Internal;

namespace Zespan.Extensions.Tests.Pricing;

public class ModelPriceTableTests
{
    [Theory]
    [InlineData("gpt-4o", 2.50, 10)]
    [InlineData("gpt-4o-2024-08-06", 2.50, 10)]
    [InlineData("gpt-4o-2024-05-13", 5, 15)]
    [InlineData("gpt-4o-mini-2024-07-18", 0.15, 0.60)]
    [InlineData("gpt-4.1-nano-2025-04-14", 0.10, 0.40)]
    [InlineData("o3-mini-2025-01-31", 1.10, 4.40)]
    [InlineData("o4-mini-2025-04-16", 1.10, 4.40)]
    [InlineData("gpt-5-mini", 0.25, 2)]
    [InlineData("openai/gpt-4o-mini", 0.15, 0.60)]
    [InlineData("claude-sonnet-4-5-20250929", 3, 15)]
    [InlineData("claude-3-5-haiku-latest", 0.80, 4)]
    [InlineData("claude-opus-4-20250514", 15, 75)]
    [InlineData("claude-opus-4-5-20251101", 5, 25)]
    [InlineData("anthropic.claude-3-5-sonnet-20241022-v2:0", 3, 15)]
    [InlineData("us.anthropic.claude-haiku-4-5-20251001-v1:0", 1, 5)]
    [InlineData("claude-sonnet-4-5@20250929", 3, 15)]
    [InlineData("amazon.nova-lite-v1:0", 0.06, 0.24)]
    [InlineData("us.amazon.nova-pro-v1:0", 0.80, 3.20)]
    [InlineData("meta.llama3-3-70b-instruct-v1:0", 0.72, 0.72)]
    [InlineData("gemini-2.5-flash", 0.30, 2.50)]
    [InlineData("gemini-2.5-flash-lite", 0.10, 0.40)]
    [InlineData("models/gemini-2.0-flash-001", 0.10, 0.40)]
    [InlineData("mistral-large-latest", 2, 6)]
    [InlineData("mistral-small-2503", 0.10, 0.30)]
    [InlineData("mistral.mistral-large-2407-v1:0", 2, 6)]
    [InlineData("llama-3.3-70b-versatile", 0.59, 0.79)]
    [InlineData("meta-llama/llama-4-scout-17b-16e-instruct", 0.11, 0.34)]
    [InlineData("moonshotai/kimi-k2-instruct-0905", 1, 3)]
    [InlineData("openai/gpt-oss-120b", 0.15, 0.75)]
    public void TryGetPrice_KnownModel_FindsPrice(string model, double input, double output)
    {
        Assert.True(ModelPriceTable.TryGetPrice(model, null, null, out var price));
        Assert.Equal((decimal)input, price.InputPerMillion);
        Assert.Equal((decimal)output, price.OutputPerMillion);
    }

    [Theory]
    [InlineData("my-fine-tune")]
    [InlineData("gpt-4oo")]
    [InlineData("")]
    [InlineData(null)]
    public void TryGetPrice_UnknownModel_ReturnsFalse(string? model)
    {
        Assert.False(ModelPriceTable.TryGetPrice(model, null, null, out _));
        Assert.Null(ModelPriceTable.EstimateCost(model, null, 100, 100, null));
    }

    [Fact]
    public void TryGetPrice_Configured_OverridesAndExtends()
    {
        var prices = new List<ModelPrice>
        {
            new() { Model = "gpt-4o", InputPerMillion = 1m, OutputPerMillion = 2m },
            new() { Model = "ft:gpt-4o-mini:acme*", InputPerMillion = 0.3m, OutputPerMillion = 1.2m },
            new() { Model = "ft:gpt-4o-mini:acme:special*", InputPerMillion = 9m, OutputPerMillion = 9m },
            new() { Model = "llama3", Provider = "ollama", InputPerMillion = 0m, OutputPerMillion = 0m },
        };

        Assert.True(ModelPriceTable.TryGetPrice("gpt-4o", "openai", prices, out var p1));
        Assert.Equal(new TokenPrice(1m, 2m), p1);
        Assert.True(ModelPriceTable.TryGetPrice("ft:gpt-4o-mini:acme:2024", "openai", prices, out var p2));
        Assert.Equal(new TokenPrice(0.3m, 1.2m), p2);
        Assert.True(ModelPriceTable.TryGetPrice("ft:gpt-4o-mini:acme:special:1", "openai", prices, out var p3));
        Assert.Equal(new TokenPrice(9m, 9m), p3);
        Assert.False(ModelPriceTable.TryGetPrice("llama3", "groq", prices, out _));
        Assert.True(ModelPriceTable.TryGetPrice("llama3", "ollama", prices, out _));
        Assert.True(ModelPriceTable.TryGetPrice("gpt-4o-mini", "openai", prices, out var p4));
        Assert.Equal(new TokenPrice(0.15m, 0.60m, 0.075m), p4);
    }

    [Fact]
    public void EstimateCost_TokensAndPrice_IsUsd()
    {
        Assert.Equal(12.5, ModelPriceTable.EstimateCost("gpt-4o", "openai", 1_000_000, 1_000_000, null));
        Assert.Null(ModelPriceTable.EstimateCost("gpt-4o", "openai", null, null, null));
    }

    [Theory]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("claude-sonnet-4-5-20250929", "claude-sonnet-4-5")]
    [InlineData("gpt-4o", "gpt-4o")]
    [InlineData("o4-mini", "o4-mini")]
    public void StripDate_DatedSnapshot_RemovesDate(string id, string expected)
    {
        Assert.Equal(expected, ModelPriceTable.StripDate(id));
    }

    [Theory]
    [InlineData("gpt-5.6-terra", 2, 12, 0.20)]
    [InlineData("gpt-5.6-sol-2026-07-09", 5, 30, 0.50)]
    [InlineData("gpt-5.6", 5, 30, 0.50)]
    [InlineData("openai/gpt-5.6-luna", 0.20, 1.20, 0.02)]
    [InlineData("gpt-5.4-nano-2026-03-17", 0.20, 1.25, 0.02)]
    [InlineData("claude-sonnet-5-5", 2, 10, 0.10)]
    [InlineData("claude-opus-5-5", 4, 20, 0.20)]
    [InlineData("anthropic/claude-sonnet-4.5", 3, 15, 0.30)]
    [InlineData("claude-haiku-5-5[1m]", 0.10, 0.50, 0.01)]
    [InlineData("us.anthropic.claude-opus-4-6-v1:0", 5, 25, 0.50)]
    [InlineData("global.anthropic.claude-haiku-5-5", 0.10, 0.50, 0.01)]
    [InlineData("claude-opus-4-7@20260301", 5, 25, 0.50)]
    [InlineData("models/gemini-3.5-flash", 1.50, 9, 0.15)]
    [InlineData("gemini-3.1-pro-preview", 2, 12, 0.20)]
    [InlineData("google/gemini-3-flash-preview", 0.50, 3, 0.05)]
    public void TryGetPrice_CurrentModelUnderAnyOfItsNames_FindsPriceWithCachedInput(string model, double input, double output, double cached)
    {
        Assert.True(ModelPriceTable.TryGetPrice(model, null, null, out var price));
        Assert.Equal((decimal)input, price.InputPerMillion);
        Assert.Equal((decimal)output, price.OutputPerMillion);
        Assert.Equal((decimal)cached, price.CachedInputPerMillion);
    }

    [Theory]
    [InlineData("claude-haiku-5-5", 100_000, 100_000 * 0.10)]
    [InlineData("claude-haiku-5-5", 100_001, 100_001 * 0.50)]
    [InlineData("gemini-2.5-pro", 200_000, 200_000 * 1.25)]
    [InlineData("gemini-2.5-pro", 200_001, 200_001 * 2.50)]
    [InlineData("gpt-5.6-terra", 272_000, 272_000 * 2.0)]
    [InlineData("gpt-5.6-terra", 272_001, 272_001 * 4.0)]
    [InlineData("claude-sonnet-4-5", 200_001, 200_001 * 6.0)]
    [InlineData("claude-sonnet-5-5", 900_000, 900_000 * 2.0)]
    public void EstimateCost_LongPrompt_PricesTheWholeRequestAtTheLongContextTier(string model, int prompt, double expectedMicroUsd)
    {
        var cost = ModelPriceTable.EstimateCost(model, null, new TokenCounts(prompt, 0), null);

        Assert.NotNull(cost);
        Assert.Equal(expectedMicroUsd / 1e6, cost!.Value, 9);
    }

    [Fact]
    public void EstimateCost_LongPromptOutput_IsAtTheTierPriceToo()
    {
        // Haiku 5.5 above 100K: $0.50 in, $0.05 cache read, $0.625 cache write, $2.50 out, on every token of the request.
        var cost = ModelPriceTable.EstimateCost("claude-haiku-5-5", "anthropic", new TokenCounts(150_000, 1000, CachedInput: 100_000, CacheWrite: 40_000), null);

        Assert.Equal(((10_000 * 0.50) + (100_000 * 0.05) + (40_000 * 0.625) + (1000 * 2.50)) / 1e6, cost!.Value, 12);
    }

    [Fact]
    public void EstimateCost_CacheReadsAndWrites_AreTakenOutOfThePromptNeverAddedToIt()
    {
        // claude-opus-4-5: $5 input, $0.50 cache read, $6.25 cache write, $25 output.
        var withCache = ModelPriceTable.EstimateCost("claude-opus-4-5", null, new TokenCounts(1000, 100, CachedInput: 600, CacheWrite: 300), null);
        var without = ModelPriceTable.EstimateCost("claude-opus-4-5", null, new TokenCounts(1000, 100), null);

        Assert.Equal(((100 * 5.0) + (600 * 0.50) + (300 * 6.25) + (100 * 25.0)) / 1e6, withCache!.Value, 12);
        Assert.Equal(((1000 * 5.0) + (100 * 25.0)) / 1e6, without!.Value, 12);
    }

    [Fact]
    public void EstimateCost_CachedCountAbovePrompt_IsCappedAtThePrompt()
    {
        // gpt-4o-mini: a report of 13 cached tokens in an 8-token prompt prices the 8 as cache reads, nothing negative.
        var cost = ModelPriceTable.EstimateCost("gpt-4o-mini", null, new TokenCounts(8, 9, CachedInput: 13, CacheWrite: 5), null);

        Assert.Equal(((8 * 0.075) + (9 * 0.60)) / 1e6, cost!.Value, 12);
    }

    [Fact]
    public void TryFind_ProviderEntry_WinsForThatProviderOnly()
    {
        Assert.True(ModelPriceTable.TryFind("openai/gpt-oss-120b", "groq", null, out var groq, out _));
        Assert.True(ModelPriceTable.TryFind("openai/gpt-oss-120b", "openrouter", null, out var other, out _));

        Assert.Equal(new TokenPrice(0.15m, 0.60m, 0.075m), groq);
        Assert.Equal(new TokenPrice(0.15m, 0.75m), other);
    }

    [Fact]
    public void TryFind_ConfiguredCachePrices_AreUsedAndNamedLocal()
    {
        var prices = new List<ModelPrice>
        {
            new() { Model = "house-llm", InputPerMillion = 1m, OutputPerMillion = 2m, CachedInputPerMillion = 0.1m, CacheWritePerMillion = 1.5m },
        };

        Assert.True(ModelPriceTable.TryFind("house-llm", null, prices, out var price, out var version));
        Assert.Equal("local", version);
        Assert.Equal(((100 * 1.0) + (50 * 0.1) + (50 * 1.5) + (10 * 2.0)) / 1e6, price.Cost(new TokenCounts(200, 10, 50, 50)), 12);
    }

    [Fact]
    public void TryFind_RemoteRule_WinsOverLocalAndBuiltInAndNamesItsVersion()
    {
        var prices = new List<ModelPrice>
        {
            new() { Model = "gpt-4o", InputPerMillion = 1m, OutputPerMillion = 2m },
            new() { Model = "gpt-4o*", InputPerMillion = 7m, OutputPerMillion = 8m, RemoteConfigVersion = 12 },
        };

        Assert.True(ModelPriceTable.TryFind("gpt-4o", "openai", prices, out var price, out var version));
        Assert.Equal(new TokenPrice(7m, 8m), price);
        Assert.Equal("remote-12", version);
        Assert.True(ModelPriceTable.TryFind("gpt-4.1", "openai", prices, out _, out var builtIn));
        Assert.Equal(ModelPriceTable.Version, builtIn);
    }

    [Theory]
    [InlineData("gpt-4o-mini", false)]
    [InlineData("gpt-5.6-terra", false)]
    [InlineData("gpt-4", true)]
    [InlineData("gpt-4-turbo-2024-04-09", true)]
    [InlineData("gpt-3.5-turbo", true)]
    [InlineData("gpt-4.1-mini", false)]
    [InlineData("claude-sonnet-5-5", false)]
    public void UsesCl100k_Model_PicksTheEncodingOfItsFamily(string model, bool cl100k) =>
        Assert.Equal(cl100k, TiktokenTokenCountEstimator.UsesCl100k(model));
}
