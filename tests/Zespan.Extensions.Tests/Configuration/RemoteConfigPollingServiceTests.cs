using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Configuration;

public sealed class RemoteConfigPollingServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero));
    private readonly TaskCompletionSource _pollFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeZespanBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await FakeZespanBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task StartAsync_ThenEachFlushInterval_PollsOnceWithTheLastETag()
    {
        _backend.SetConfig(1, """[{"type": "sample_rate", "value": 0.5}]""");
        using var host = Build();

        await host.StartAsync();
        Assert.Single(_backend.RequestsTo("/v1/config"));
        _time.Advance(Interval);
        await _backend.WaitForRequestsAsync("/v1/config", 2);
        _time.Advance(Interval);
        await _backend.WaitForRequestsAsync("/v1/config", 3);
        await host.StopAsync();

        var requests = _backend.RequestsTo("/v1/config");
        Assert.Equal(3, requests.Count);
        Assert.Null(requests[0].Header("If-None-Match"));
        Assert.All(requests.Skip(1), r => Assert.Equal(_backend.ConfigETag, r.Header("If-None-Match")));
        Assert.Equal(0.5, host.Services.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.SampleRate);
        Assert.True(PollingService(host).ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task Poll_BackendFails_KeepsTheLastGoodAndPollsAgainOnceTheBackoffIsOver()
    {
        _backend.SetConfig(1, """[{"type": "sample_rate", "value": 0.5}]""");
        using var host = Build(o => o.Debug = true);
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = monitor.OnChange((o, _) =>
        {
            if (o.RemoteConfigVersion == 2)
            {
                applied.TrySetResult();
            }
        });
        await host.StartAsync();

        _backend.FailNext("/v1/config", 1, HttpStatusCode.InternalServerError);
        _time.Advance(Interval);
        await _pollFailed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0.5, monitor.CurrentValue.SampleRate);

        // The backoff is twice the interval; the poll after it applies the new version.
        _backend.SetConfig(2, """[{"type": "sample_rate", "value": 0.25}]""");
        _time.Advance(Interval * 2);
        await applied.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0.25, monitor.CurrentValue.SampleRate);
        await host.StopAsync();
    }

    [Fact]
    public async Task FlushIntervalReloaded_TheNextPollFollowsTheNewInterval()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zespan:ApiKey"] = FakeZespanBackend.ValidApiKey,
            ["Zespan:BaseUrl"] = _backend.BaseUrl.ToString(),
            ["Zespan:FlushInterval"] = "01:00:00",
        }).Build();
        using var host = Build(configuration: configuration);
        await host.StartAsync();

        configuration["Zespan:FlushInterval"] = "00:00:02";
        configuration.Reload();
        _time.Advance(Interval);

        await _backend.WaitForRequestsAsync("/v1/config", 2);
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_DisableConfigSync_FetchesNothingAndRunsNoLoop()
    {
        using var host = Build(o => o.DisableConfigSync = true);

        await host.StartAsync();
        _time.Advance(Interval * 3);

        Assert.Null(PollingService(host).ExecuteTask);
        Assert.Empty(_backend.RequestsTo("/v1/config"));
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_Disabled_RunsNoLoop()
    {
        using var host = Build(o => { o.Enabled = false; o.ApiKey = null; });

        await host.StartAsync();

        Assert.Null(PollingService(host).ExecuteTask);
        Assert.Empty(_backend.Requests);
        await host.StopAsync();
    }

    private static RemoteConfigPollingService PollingService(IHost host) =>
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<RemoteConfigPollingService>());

    private IHost Build(Action<ZespanOptions>? configure = null, IConfiguration? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(new EventSignal(35, _pollFailed)); // the poller logged a failed fetch, after recording its backoff
        if (configuration is not null)
        {
            builder.Services.AddZespan(configuration.GetSection("Zespan"));
        }
        else
        {
            builder.Services.AddZespan(o =>
            {
                o.ApiKey = FakeZespanBackend.ValidApiKey;
                o.BaseUrl = _backend.BaseUrl;
                o.FlushInterval = Interval;
                configure?.Invoke(o);
            });
        }

        return builder.Build();
    }

    /// <summary>Completes a signal when a log record with one event id is written.</summary>
    private sealed class EventSignal(int eventId, TaskCompletionSource signal) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (id.Id == eventId)
            {
                signal.TrySetResult();
            }
        }

        public void Dispose()
        {
        }
    }
}
