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
}
