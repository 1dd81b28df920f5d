using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Configuration;

public sealed class RemoteConfigTests : IAsyncLifetime
{
    private FakeZespanBackend _backend = null!;
    private readonly FakeLogCollector _logs = new();
    private readonly FakeTimeProvider _time = new(SignalingTimeProvider.DefaultStart);

    public async Task InitializeAsync() => _backend = await FakeZespanBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private ServiceProvider Build(Action<ZespanOptions>? configure = null, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace));
        if (configuration is not null)
        {
            services.AddZespan(configuration.GetSection("Zespan"));
        }

        services.AddZespan(o =>
        {
            o.ApiKey ??= FakeZespanBackend.ValidApiKey;
            o.BaseUrl = _backend.BaseUrl;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static Task RefreshAsync(ServiceProvider sp) => sp.GetRequiredService<RemoteConfigPoller>().RefreshAsync(CancellationToken.None);

    [Fact]
    public async Task RefreshAsync_EveryRuleType_IsLaidOverLocalOptions()
    {
        using var sp = Build(o => { o.SampleRate = 1; o.RedactKeys.Add("local_key"); o.ModelOverrides.Add(new ModelOverride { From = "a", To = "b" }); });
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _backend.SetConfig(7, """
            [
              {"type": "model_override", "from": "gpt-4o", "to": "gpt-4o-mini"},
              {"type": "model_override", "from": "claude-sonnet-4-5", "to": "claude-haiku-4-5", "provider": "anthropic"},
              {"type": "sample_rate", "value": 0.25},
              {"type": "guardrail_enable", "provider": "openai", "pre": true, "post": false},
              {"type": "pii_redact_keys", "keys": ["email", "phone"]},
              {"type": "log_level", "value": "debug"},
              {"type": "disable_tracing", "value": true}
            ]
            """);

        await RefreshAsync(sp);

        var o = monitor.CurrentValue;
        Assert.Equal(7, o.RemoteConfigVersion);
        Assert.Equal(0.25, o.SampleRate);
        Assert.True(o.Debug);
        Assert.True(o.DisableTracing);
        Assert.Equal(["local_key", "email", "phone"], o.RedactKeys);
        Assert.Equal(3, o.ModelOverrides.Count);
        Assert.Equal("gpt-4o-mini", o.ModelOverrides[1].To);
        Assert.Equal("anthropic", o.ModelOverrides[2].Provider);
        var rule = Assert.Single(o.GuardrailRules);
        Assert.Equal("openai", rule.Provider);
        Assert.True(rule.Pre);
        Assert.False(rule.Post);
        Assert.False(rule.FailClosed);
        var request = Assert.Single(_backend.RequestsTo("/v1/config"));
        Assert.Equal("?environment=production", request.Query);
        Assert.Equal("Bearer " + FakeZespanBackend.ValidApiKey, request.Header("Authorization"));
    }

    [Fact]
    public async Task RefreshAsync_RulesRemoved_RestoresLocalValues()
    {
        using var sp = Build(o => { o.SampleRate = 0.9; o.Debug = false; });
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _backend.SetConfig(1, """[{"type": "sample_rate", "value": 0.1}, {"type": "log_level", "value": "debug"}, {"type": "pii_redact_keys", "keys": ["email"]}, {"type": "model_override", "from": "x", "to": "y"}]""");
        await RefreshAsync(sp);
        Assert.Equal(0.1, monitor.CurrentValue.SampleRate);

        _backend.SetConfig(2, "[]");
        await RefreshAsync(sp);

        var o = monitor.CurrentValue;
        Assert.Equal(0.9, o.SampleRate);
        Assert.False(o.Debug);
        Assert.Empty(o.RedactKeys);
        Assert.Empty(o.ModelOverrides);
        Assert.Equal(2, o.RemoteConfigVersion);
    }

    [Fact]
    public async Task RefreshAsync_SameETag_SendsIfNoneMatchAndDoesNotRaiseChange()
    {
        using var sp = Build();
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _ = monitor.CurrentValue;
        var changes = 0;
        using var subscription = monitor.OnChange((_, _) => Interlocked.Increment(ref changes));
        _backend.SetConfig(3, """[{"type": "sample_rate", "value": 0.5}]""");

        await RefreshAsync(sp);
        await RefreshAsync(sp);

        var requests = _backend.RequestsTo("/v1/config");
        Assert.Equal(2, requests.Count);
        Assert.Null(requests[0].Header("If-None-Match"));
        Assert.Equal(_backend.ConfigETag, requests[1].Header("If-None-Match"));
        Assert.Equal(1, changes);
    }

    [Fact]
    public async Task RefreshAsync_InvalidAndUnknownRules_AreIgnoredAndLoggedOnce()
    {
        using var sp = Build(o => o.SampleRate = 0.8);
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _backend.SetConfig(4, """[{"type": "sample_rate", "value": 2}, {"type": "model_override", "from": "", "to": "y"}, {"type": "teleport", "value": 1}, {"type": "disable_tracing", "value": true}]""");

        await RefreshAsync(sp);
        _backend.SetConfig(5, """[{"type": "sample_rate", "value": 2}, {"type": "model_override", "from": "", "to": "y"}]""");
        await RefreshAsync(sp);

        Assert.Equal(0.8, monitor.CurrentValue.SampleRate);
        Assert.Empty(monitor.CurrentValue.ModelOverrides);
        Assert.Single(_logs.GetSnapshot(), l => l.Id.Id == 31 && l.Message.Contains("sample_rate", StringComparison.Ordinal));
        Assert.Single(_logs.GetSnapshot(), l => l.Id.Id == 31 && l.Message.Contains("model_override", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.GetSnapshot(), l => l.Message.Contains("teleport", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(500, null)]
    [InlineData(200, "{not json")]
    [InlineData(200, "[1, 2]")]
    public async Task RefreshAsync_BackendFailure_KeepsLastGoodAndBacksOff(int status, string? body)
    {
        using var sp = Build(o => o.FlushInterval = TimeSpan.FromSeconds(2));
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        var poller = sp.GetRequiredService<RemoteConfigPoller>();
        _backend.SetConfig(6, """[{"type": "sample_rate", "value": 0.3}]""");
        await RefreshAsync(sp);

        _backend.SetConfig(7, """[{"type": "sample_rate", "value": 0.6}]""");
        _backend.Enqueue("/v1/config", new CannedResponse(status, body ?? """{"error":{"type":"server_error","message":"down"}}"""));
        await poller.PollAsync(CancellationToken.None);
        Assert.Equal(0.3, monitor.CurrentValue.SampleRate);
        Assert.Equal(1, poller.ConsecutiveFailures);

        // Backing off: the next cycle within the backoff sends nothing.
        await poller.PollAsync(CancellationToken.None);
        Assert.Equal(2, _backend.RequestsTo("/v1/config").Count);

        _time.Advance(TimeSpan.FromSeconds(5));
        await poller.PollAsync(CancellationToken.None);
        Assert.Equal(3, _backend.RequestsTo("/v1/config").Count);
        Assert.Equal(0.6, monitor.CurrentValue.SampleRate);
        Assert.Equal(0, poller.ConsecutiveFailures);
    }

    [Fact]
    public async Task RefreshAsync_Unauthorized_LogsOnceAndKeepsRunning()
    {
        using var sp = Build(o => o.ApiKey = "zsp_wrong_key");

        await RefreshAsync(sp);
        await RefreshAsync(sp);

        var error = Assert.Single(_logs.GetSnapshot(), l => l.Id.Id == 32);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.DoesNotContain("zsp_wrong_key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshAsync_DisableConfigSync_SendsNothing()
    {
        using var sp = Build(o => o.DisableConfigSync = true);

        await RefreshAsync(sp);
        await sp.GetRequiredService<RemoteConfigPoller>().PollAsync(CancellationToken.None);

        Assert.Empty(_backend.RequestsTo("/v1/config"));
    }

    [Fact]
    public async Task RemoteGuardrailRule_StorePromptsOff_IsIgnored()
    {
        using var sp = Build(o => o.StorePrompts = false);
        _backend.SetConfig(8, """[{"type": "guardrail_enable", "provider": "*", "pre": true, "post": true}]""");

        await RefreshAsync(sp);

        Assert.Empty(sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.GuardrailRules);
    }

    [Fact]
    public async Task HostStart_FetchesConfigurationBeforeFirstCall()
    {
        _backend.SetConfig(9, """[{"type": "model_override", "from": "gpt-4o", "to": "gpt-4o-mini"}]""");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddZespan(o => { o.ApiKey = FakeZespanBackend.ValidApiKey; o.BaseUrl = _backend.BaseUrl; });
        using var host = builder.Build();

        await host.StartAsync();

        var o = host.Services.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue;
        Assert.Equal(9, o.RemoteConfigVersion);
        Assert.Equal("gpt-4o-mini", Assert.Single(o.ModelOverrides).To);
        await host.StopAsync();
    }

    [Fact]
    public async Task HostStart_BackendUnreachable_StartsAnyway()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddZespan(o => { o.ApiKey = FakeZespanBackend.ValidApiKey; o.BaseUrl = new Uri("http://127.0.0.1:9/"); o.RequestTimeout = TimeSpan.FromSeconds(2); });
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Null(host.Services.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.RemoteConfigVersion);
        await host.StopAsync();
    }

    [Fact]
    public async Task LocalReload_Invalid_KeepsLastGoodAndLogs()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Zespan:SampleRate"] = "0.4" }).Build();
        using var sp = Build(configuration: config);
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        Assert.Equal(0.4, monitor.CurrentValue.SampleRate);
        var changes = 0;
        using var subscription = monitor.OnChange((_, _) => Interlocked.Increment(ref changes));

        config["Zespan:SampleRate"] = "5";
        config.Reload();

        Assert.Equal(0.4, monitor.CurrentValue.SampleRate);
        Assert.Equal(0, changes);
        Assert.Contains(_logs.GetSnapshot(), l => l.Id.Id == 40 && l.Message.Contains("Zespan:SampleRate", StringComparison.Ordinal));

        config["Zespan:SampleRate"] = "0.7";
        config.Reload();
        Assert.Equal(0.7, monitor.CurrentValue.SampleRate);
        Assert.Equal(1, changes);
    }

    [Fact]
    public async Task LocalReload_NoDifference_DoesNotRaiseChange()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Zespan:SampleRate"] = "0.4" }).Build();
        using var sp = Build(configuration: config);
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _ = monitor.CurrentValue;
        var changes = 0;
        using var subscription = monitor.OnChange((_, _) => Interlocked.Increment(ref changes));

        config.Reload();
        config.Reload();

        Assert.Equal(0, changes);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Readers_WhileRulesChange_NeverSeeATornRuleSet()
    {
        using var sp = Build();
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        var store = sp.GetRequiredService<RemoteConfigStore>();
        var a = new RemoteConfigSnapshot { Version = 1, SampleRate = 0.25, ModelOverrides = [new ModelOverride { From = "m", To = "a" }], RedactKeys = ["ka"] };
        var b = new RemoteConfigSnapshot { Version = 2, SampleRate = 0.75, ModelOverrides = [new ModelOverride { From = "m", To = "b" }], RedactKeys = ["kb"] };
        store.Update(a);
        var torn = 0;
        var reads = 0;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var o = monitor.CurrentValue;
                var expected = o.RemoteConfigVersion == 1 ? ("a", 0.25, "ka") : ("b", 0.75, "kb");
                if (o.ModelOverrides.Count != 1 || o.ModelOverrides[0].To != expected.Item1 || o.SampleRate != expected.Item2 || o.RedactKeys.Single() != expected.Item3)
                {
                    Interlocked.Increment(ref torn);
                }

                Interlocked.Increment(ref reads);
            }
        })).ToArray();

        for (var i = 0; i < 500 || Volatile.Read(ref reads) < 20_000; i++)
        {
            store.Update(i % 2 == 0 ? b : a);
        }

        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Equal(0, torn);
        Assert.True(reads > 0);
    }
}
