using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Pricing;

/// <summary>The remote <c>model_price</c> rule: applied over the built-in table and ModelPrices, and removed, at run time.</summary>
public sealed class RemoteModelPriceTests : IAsyncLifetime
{
    private FakeZespanBackend _backend = null!;
    private readonly CollectingLoggerProvider _logs = new();

    public async Task InitializeAsync() => _backend = await FakeZespanBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private ServiceProvider Build(Action<ZespanOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = _backend.BaseUrl;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static Task RefreshAsync(ServiceProvider sp) => sp.GetRequiredService<RemoteConfigPoller>().RefreshAsync(CancellationToken.None);

    private async Task<System.Text.Json.Nodes.JsonObject> LogAndFlushAsync(ServiceProvider sp, string name)
    {
        sp.GetRequiredService<IZespanTracer>().LogGeneration(new GenerationLog
        {
            Name = name,
            Model = "gpt-4o",
            Provider = "openai",
            PromptTokens = 1_000_000,
            CachedInputTokens = 400_000,
            CompletionTokens = 100_000,
        });
        Assert.True(await sp.GetRequiredService<IZespanClient>().FlushAsync());
        return Assert.Single(_backend.Events, e => (string?)e["name"] == name);
    }

    [Fact]
    public async Task ModelPriceRule_AppliedThenRemoved_PricesWithItThenWithTheLocalPriceAgain()
    {
        using var sp = Build(o => o.ModelPrices.Add(new ModelPrice { Model = "gpt-4o", Provider = "openai", InputPerMillion = 3m, OutputPerMillion = 12m }));
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        var changes = 0;
        using var subscription = monitor.OnChange((_, _) => Interlocked.Increment(ref changes));

        // Local price: 1M input (no cache price: cached input at the input price) * 3 + 0.1M output * 12 = 3 + 1.2.
        var local = await LogAndFlushAsync(sp, "local");
        Assert.Equal(4.2, (double)local["cost"]!, 9);
        Assert.Equal("local", (string?)local["price_table_version"]);

        _backend.SetConfig(9, """[{"type": "model_price", "model": "gpt-4o", "provider": "openai", "input_per_million": 2.5, "output_per_million": 10, "cached_input_per_million": 1.25, "cache_write_per_million": null}]""");
        await RefreshAsync(sp);

        Assert.Equal(1, changes);
        var rule = monitor.CurrentValue.ModelPrices[0];
        Assert.Equal(1.25m, rule.CachedInputPerMillion);
        Assert.Null(rule.CacheWritePerMillion);

        // Remote price: 0.6M fresh * 2.5 + 0.4M cached * 1.25 + 0.1M output * 10 = 1.5 + 0.5 + 1.
        var remote = await LogAndFlushAsync(sp, "remote");
        Assert.Equal(3.0, (double)remote["cost"]!, 9);
        Assert.Equal("estimated", (string?)remote["cost_status"]);
        Assert.Equal("remote-9", (string?)remote["price_table_version"]);

        _backend.SetConfig(10, "[]");
        await RefreshAsync(sp);

        Assert.Equal(2, changes);
        Assert.Single(monitor.CurrentValue.ModelPrices);
        var restored = await LogAndFlushAsync(sp, "restored");
        Assert.Equal(4.2, (double)restored["cost"]!, 9);
        Assert.Equal("local", (string?)restored["price_table_version"]);
    }

    [Fact]
    public async Task ModelPriceRule_ForAModelTheTableLacks_PricesItsCallsInsteadOfUnpriced()
    {
        using var sp = Build();
        _backend.SetConfig(3, """[{"type": "model_price", "model": "acme-7b*", "input_per_million": 1, "output_per_million": 1}]""");
        await RefreshAsync(sp);

        var tracer = sp.GetRequiredService<IZespanTracer>();
        tracer.LogGeneration(new GenerationLog { Name = "priced", Model = "acme-7b-chat", PromptTokens = 500_000, CompletionTokens = 500_000 });
        tracer.LogGeneration(new GenerationLog { Name = "unpriced", Model = "other-7b", PromptTokens = 10, CompletionTokens = 10 });
        Assert.True(await sp.GetRequiredService<IZespanClient>().FlushAsync());

        var priced = Assert.Single(_backend.Events, e => (string?)e["name"] == "priced");
        Assert.Equal(1.0, (double)priced["cost"]!, 9);
        Assert.Equal("remote-3", (string?)priced["price_table_version"]);
        var unpriced = Assert.Single(_backend.Events, e => (string?)e["name"] == "unpriced");
        Assert.True(unpriced.ContainsKey("cost_status"));
        Assert.Equal("unpriced", (string?)unpriced["cost_status"]);
        Assert.Null(unpriced["cost"]);
    }

    [Theory]
    [InlineData("""{"type": "model_price", "input_per_million": 1, "output_per_million": 1}""", "model must be a non-empty model id")]
    [InlineData("""{"type": "model_price", "model": "m", "output_per_million": 1}""", "input_per_million is required")]
    [InlineData("""{"type": "model_price", "model": "m", "input_per_million": -1, "output_per_million": 1}""", "input_per_million must be a number")]
    [InlineData("""{"type": "model_price", "model": "m", "input_per_million": 1, "output_per_million": "ten"}""", "output_per_million must be a number")]
    [InlineData("""{"type": "model_price", "model": "m", "input_per_million": 1, "output_per_million": 1, "cached_input_per_million": -0.5}""", "cached_input_per_million must be a number")]
    public void Parse_InvalidModelPrice_IsIgnoredAndReported(string rule, string reason)
    {
        var invalid = new List<(string Type, string Reason)>();

        var snapshot = RemoteConfigParser.Parse(System.Text.Encoding.UTF8.GetBytes("{\"version\": 1, \"rules\": [" + rule + "]}"), null, (t, r) => invalid.Add((t, r)));

        Assert.NotNull(snapshot);
        Assert.Empty(snapshot!.ModelPrices);
        var (type, message) = Assert.Single(invalid);
        Assert.Equal("model_price", type);
        Assert.StartsWith(reason, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValidModelPrice_KeepsEveryPriceAndTheVersion()
    {
        var snapshot = RemoteConfigParser.Parse(
            """{"version": 7, "rules": [{"type": "model_price", "model": "gpt-4o", "provider": "openai", "input_per_million": 2.5, "output_per_million": 10, "cached_input_per_million": 1.25, "cache_write_per_million": null}]}"""u8,
            null,
            (_, _) => Assert.Fail("no rule is invalid"));

        var price = Assert.Single(snapshot!.ModelPrices);
        Assert.Equal(("gpt-4o", "openai", 2.5m, 10m, 1.25m, (decimal?)null, 7L), (price.Model, price.Provider, price.InputPerMillion, price.OutputPerMillion, price.CachedInputPerMillion, price.CacheWritePerMillion, price.RemoteConfigVersion));
    }
}
