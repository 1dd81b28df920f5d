using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// A host with Zespan pointed at a <see cref="FakeZespanBackend"/> on loopback, time driven by an
/// <see cref="ObservableTimeProvider"/>. Defaults keep every timer distinguishable: flush interval 1 h (ticks
/// only when a test advances), attempt timeout 7 min, shutdown timeout 3 min; retry delays are at most 60 s.
/// </summary>
internal sealed class ExportHarness : IAsyncDisposable
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(7);
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMinutes(3);

    private ExportHarness(FakeZespanBackend backend, ObservableTimeProvider time, IHost host, ListLoggerProvider logs, IConfigurationRoot configuration)
    {
        Backend = backend;
        Time = time;
        Host = host;
        Logs = logs;
        Configuration = configuration;
    }

    public FakeZespanBackend Backend { get; }

    public ObservableTimeProvider Time { get; }

    public IHost Host { get; }

    public ListLoggerProvider Logs { get; }

    /// <summary>The configuration the <c>Zespan</c> section is bound from; change a value, then <see cref="Reload"/>.</summary>
    public IConfigurationRoot Configuration { get; }

    public IServiceProvider Services => Host.Services;

    public IZespanEventQueue Queue => Services.GetRequiredService<IZespanEventQueue>();

    public IZespanClient Client => Services.GetRequiredService<IZespanClient>();

    public ExportWorker Worker => Services.GetRequiredService<ExportWorker>();

    public DeliveryGate Gate => Services.GetRequiredService<DeliveryGate>();

    public DropCounter Drops => Services.GetRequiredService<DropCounter>();

    public ExportStatistics Stats => Services.GetRequiredService<ExportStatistics>();

    public IReadOnlyList<RecordedRequest> Ingests => Backend.RequestsTo("/v1/ingest");

    public static async Task<ExportHarness> StartAsync(
        Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        bool startHost = true,
        FakeZespanBackend? backend = null)
    {
        backend ??= await FakeZespanBackend.StartAsync();
        var time = new ObservableTimeProvider();
        var logs = new ListLoggerProvider();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var values = new Dictionary<string, string?>
        {
            ["Zespan:ApiKey"] = FakeZespanBackend.ValidApiKey,
            ["Zespan:BaseUrl"] = backend.BaseUrl.ToString(),
            ["Zespan:Environment"] = "test",
            ["Zespan:FlushInterval"] = FlushInterval.ToString(),
            ["Zespan:RequestTimeout"] = RequestTimeout.ToString(),
            ["Zespan:ShutdownTimeout"] = ShutdownTimeout.ToString(),
            ["Zespan:Debug"] = "true",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values["Zespan:" + key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddZespan(builder.Configuration.GetSection("Zespan"));
        services?.Invoke(builder.Services);
        var host = builder.Build();
        var harness = new ExportHarness(backend, time, host, logs, builder.Configuration);
        if (startHost)
        {
            await host.StartAsync();
        }

        return harness;
    }

    /// <summary>Sets one <c>Zespan</c> setting and reloads the configuration (IOptionsMonitor.OnChange fires).</summary>
    public void Reload(string key, string? value)
    {
        Configuration["Zespan:" + key] = value;
        Configuration.Reload();
    }

    public void EnqueueAll(IEnumerable<ZespanEvent> events)
    {
        var queue = Queue;
        foreach (var e in events)
        {
            Assert.True(queue.TryEnqueue(e));
        }
    }

    /// <summary>The <c>name</c> of every accepted event, across batches.</summary>
    public IReadOnlyList<string> AcceptedNames() =>
        Backend.Events.Select(e => e["name"]!.GetValue<string>()).ToArray();

    public static JsonObject Envelope(RecordedRequest request) => (JsonObject)request.Json!;

    public async ValueTask DisposeAsync()
    {
        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }

        await Backend.DisposeAsync();
    }
}
