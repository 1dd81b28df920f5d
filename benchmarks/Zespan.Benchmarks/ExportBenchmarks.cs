using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Extensions;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Benchmarks;

/// <summary>
/// The export pipeline: throughput of serialize + gzip + POST to a loopback ingest endpoint, the cost of
/// <c>TryEnqueue</c> on the app's thread, and the cost of an enqueue that is dropped because the backend is
/// down and the queue is at its cap (which must stay ~0 B: memory stays flat during an outage).
/// Every benchmark reports time per event (<c>OperationsPerInvoke</c> = events per invocation); events/s is
/// 1e9 / (ns per event).
/// </summary>
/// <remarks>
/// The ingest endpoint is a minimal Kestrel app on 127.0.0.1 that reads the (gzipped) body and answers 202,
/// not <c>FakeZespanBackend</c>: the fake parses every event into a <c>JsonNode</c> and keeps every request
/// and event in memory, so over a benchmark run it would measure (and exhaust memory with) the fake server
/// rather than the SDK.
/// </remarks>
[MemoryDiagnoser]
public class ExportBenchmarks
{
    private const int Events = 10_000;

    private WebApplication? _sink;
    private ServiceProvider? _provider;
    private IZespanEventQueue _queue = null!;
    private IZespanClient _client = null!;
    private ExportStatistics _stats = null!;
    private ZespanEvent[] _events = null!;

    /// <summary>Sends 10,000 realistic events (about 1.3 KB of JSON each) through the whole pipeline until the endpoint accepted them.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public async Task<bool> ExportAccepted()
    {
        var queue = _queue;
        foreach (var item in _events)
        {
            queue.TryEnqueue(item);
        }

        return await _client.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The app-side cost of handing a finished event to the pipeline (nothing exported meanwhile).</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    [InvocationCount(32, 1)]
    public int TryEnqueue()
    {
        var queue = _queue;
        var accepted = 0;
        foreach (var item in _events)
        {
            if (queue.TryEnqueue(item))
            {
                accepted++;
            }
        }

        return accepted;
    }

    /// <summary>The cost of an enqueue while the backend is down and the queue is at its cap: dropped and counted.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int TryEnqueue_QueueFullBackendDown()
    {
        var queue = _queue;
        var dropped = 0;
        foreach (var item in _events)
        {
            if (!queue.TryEnqueue(item))
            {
                dropped++;
            }
        }

        return dropped;
    }

    [GlobalSetup(Target = nameof(ExportAccepted))]
    public async Task SetupExportAsync()
    {
        _sink = await StartSinkAsync().ConfigureAwait(false);
        var address = _sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Build(new Uri(address + "/"), maxQueueSize: 2 * Events, batchSize: 50, flushInterval: TimeSpan.FromSeconds(2));
        _events = CreateEvents(Events);
    }

    [GlobalSetup(Target = nameof(TryEnqueue))]
    public void SetupTryEnqueue() => _events = CreateEvents(Events);

    [IterationSetup(Target = nameof(TryEnqueue))]
    public void IterationSetupTryEnqueue() =>

        // A fresh pipeline per iteration, nothing exported: batch size and interval never come due.
        Build(new Uri("http://127.0.0.1:9/"), maxQueueSize: int.MaxValue, batchSize: int.MaxValue, flushInterval: TimeSpan.FromHours(1));

    [IterationCleanup(Target = nameof(TryEnqueue))]
    public void IterationCleanupTryEnqueue() => _provider?.Dispose();

    [GlobalSetup(Target = nameof(TryEnqueue_QueueFullBackendDown))]
    public void SetupBackendDown()
    {
        Build(new Uri($"http://127.0.0.1:{GetClosedPort()}/"), maxQueueSize: Events, batchSize: 50, flushInterval: TimeSpan.FromSeconds(2));
        _events = CreateEvents(Events);
        foreach (var item in _events)
        {
            _queue.TryEnqueue(item);
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_stats is not null && _sink is not null)
        {
            var lost = _stats.EventsDroppedQueueFull + _stats.EventsDroppedFailedDelivery + _stats.EventsDroppedRejected;
            Console.WriteLine($"// exported {_stats.EventsExported} events in {_stats.BatchesExported} batches, lost {lost}, retries {_stats.Retries}");
        }
        else if (_stats is not null)
        {
            Console.WriteLine($"// dropped at the cap: {_stats.EventsDroppedQueueFull}, queue length {_stats.QueueLength}, failed deliveries {_stats.EventsDroppedFailedDelivery}");
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync().ConfigureAwait(false);
        }

        if (_sink is not null)
        {
            await _sink.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Build(Uri baseUrl, int maxQueueSize, int batchSize, TimeSpan flushInterval)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.None));
        services.AddZespan(o =>
        {
            o.ApiKey = "zsp_benchmark_key";
            o.BaseUrl = baseUrl;
            o.Environment = "benchmark";
            o.MaxQueueSize = maxQueueSize;
            o.BatchSize = batchSize;
            o.FlushInterval = flushInterval;
            o.ShutdownTimeout = TimeSpan.FromMinutes(1);
        });
        _provider = services.BuildServiceProvider();
        _queue = _provider.GetRequiredService<IZespanEventQueue>();
        _client = _provider.GetRequiredService<IZespanClient>();
        _stats = _provider.GetRequiredService<ExportStatistics>();
    }

    private static async Task<WebApplication> StartSinkAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var accepted = "{\"accepted\":0}"u8.ToArray();
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(accepted).ConfigureAwait(false);
        });
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static int GetClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static ZespanEvent[] CreateEvents(int count)
    {
        var start = new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero);
        var events = new ZespanEvent[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = new ZespanEvent
            {
                TraceId = ActivityTraceId.CreateRandom(),
                SpanId = ActivitySpanId.CreateRandom(),
                ParentSpanId = ActivitySpanId.CreateRandom(),
                LogType = LogTypes.Generation,
                Name = "openai.chat.completions",
                StartTime = start,
                EndTime = start.AddMilliseconds(850),
                Latency = 0.85,
                StatusCode = 200,
                Environment = "benchmark",
                Provider = "openai",
                Model = "gpt-4o-mini",
                ResponseModel = "gpt-4o-mini-2024-07-18",
                PromptMessages =
                [
                    new LlmMessage("system", "You are a concise support assistant for an online shop. Answer in two sentences."),
                    new LlmMessage("user", "Hello, I ordered a pair of running shoes last Tuesday (order 48213) and the tracking page has not changed since Thursday. Can you tell me where the parcel is and when it will arrive?"),
                ],
                CompletionMessage = new LlmMessage("assistant", "Your parcel left our Leipzig warehouse on Thursday and is with the carrier; it is due on Monday. You will get an e-mail as soon as it is out for delivery."),
                FinishReason = "stop",
                PromptTokens = 96,
                CompletionTokens = 41,
                TotalTokens = 137,
                Cost = 0.0000390,
                CustomerIdentifier = "customer-" + (i % 500),
                ThreadIdentifier = "session-" + (i % 2000),
                Tags = new Dictionary<string, string> { ["team"] = "support", ["feature"] = "order-status" },
                Metadata = new Dictionary<string, JsonNode?> { ["order_id"] = 48213, ["channel"] = "web", ["ab_variant"] = "b" },
            };
        }

        return events;
    }
}
