using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Agents.Frameworks;

/// <summary>
/// Zespan with <c>CaptureAgentFrameworks</c> (and, when asked, <c>InstrumentAllHttpClients</c>) over the fake Zespan
/// backend, a fake OpenAI server, an <see cref="OpenAIClient"/> sending through an <c>IHttpClientFactory</c> client, and
/// a recorder of the frameworks' own activities (to compare ids).
/// </summary>
internal sealed class FrameworkHarness : IAsyncDisposable
{
    private readonly ActivityListener _recorder;
    private readonly ConcurrentQueue<Activity> _activities = new();

    private FrameworkHarness(FakeZespanBackend backend, LoopbackServer openAI, ServiceProvider services)
    {
        Backend = backend;
        OpenAIServer = openAI;
        Services = services;
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        OpenAI = new OpenAIClient(new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(openAI.BaseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(http),
        });

        // PropagationData: sees the frameworks' activities without asking them for more data than the capture does.
        _recorder = new ActivityListener
        {
            ShouldListenTo = static source => source.Name.StartsWith("Experimental.Microsoft.", StringComparison.Ordinal) || source.Name.StartsWith("Microsoft.SemanticKernel", StringComparison.Ordinal) || source.Name.StartsWith("Microsoft.Agents", StringComparison.Ordinal),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_recorder);
    }

    public FakeZespanBackend Backend { get; }

    public LoopbackServer OpenAIServer { get; }

    public ServiceProvider Services { get; }

    public OpenAIClient OpenAI { get; }

    public IZespanTracer Tracer => Services.GetRequiredService<IZespanTracer>();

    /// <summary>Gets the framework activities that ended, in order.</summary>
    public IReadOnlyList<Activity> Activities => [.. _activities];

    public int ModelCalls => FakeOpenAI.Calls(OpenAIServer).Count;

    public static async Task<FrameworkHarness> StartAsync(bool instrumentHttp, Action<ZespanOptions>? configure = null, bool capture = true, Action<IZespanBuilder>? zespan = null)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var openAI = await FakeOpenAI.StartAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpClient("openai");
        var builder = services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.BatchSize = 1000;
            o.LiteLlmHosts.Add(openAI.BaseUrl.Authority); // InstrumentAllHttpClients detects the fake as an OpenAI-compatible proxy
            configure?.Invoke(o);
        });
        if (capture)
        {
            builder.CaptureAgentFrameworks();
        }

        if (instrumentHttp)
        {
            builder.InstrumentAllHttpClients();
        }

        zespan?.Invoke(builder);

        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<ZespanTracer>(); // starts the capture, as the host would
        return new FrameworkHarness(backend, openAI, provider);
    }

    public Activity Activity(string operation, string? name = null) =>
        Assert.Single(Activities, a => (string?)a.GetTagItem("gen_ai.operation.name") == operation && (name is null || a.DisplayName.Contains(name, StringComparison.Ordinal)));

    /// <summary>Flushes and returns every event the backend accepted.</summary>
    public async Task<IReadOnlyList<JsonObject>> FlushAsync()
    {
        Assert.True(await Services.GetRequiredService<IZespanClient>().FlushAsync());
        return Backend.Events;
    }

    public async ValueTask DisposeAsync()
    {
        _recorder.Dispose();
        await Services.DisposeAsync();
        await OpenAIServer.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

/// <summary>Reading events.</summary>
internal static class EventsOf
{
    public static List<JsonObject> OfType(this IReadOnlyList<JsonObject> events, string logType) =>
        [.. events.Where(e => (string?)e["log_type"] == logType)];

    public static JsonObject Named(this IReadOnlyList<JsonObject> events, string logType, string name) =>
        Assert.Single(events, e => (string?)e["log_type"] == logType && (string?)e["name"] == name);

    public static string? Id(this JsonObject e) => (string?)e["span_id"];

    public static string? Parent(this JsonObject e) => (string?)e["parent_span_id"];
}
