using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Zespan.Testing;
using TestServer = Zespan.Testing.LoopbackServer;

namespace Zespan.Extensions.Tests.Configuration;

/// <summary>
/// Zespan bound from a reloadable configuration section, with the fake backend and a fake OpenAI-compatible
/// provider (both real Kestrel on loopback): change a setting, reload, and watch what the SDK does next,
/// through its public surface only.
/// </summary>
internal sealed class LiveOptionsHarness : IAsyncDisposable
{
    /// <summary>The name of the client with <c>AddZespanOpenAI()</c>.</summary>
    public const string OpenAIClient = "openai";

    /// <summary>The name of a client only <c>InstrumentAllHttpClients()</c> instruments.</summary>
    public const string PlainClient = "plain";

    private readonly IConfigurationRoot _configuration;
    private int _seenEvents;
    private int _seenBatches;

    private LiveOptionsHarness(FakeZespanBackend backend, TestServer llm, IConfigurationRoot configuration, ServiceProvider services, FakeLogCollector logs)
    {
        Backend = backend;
        Llm = llm;
        _configuration = configuration;
        Services = services;
        Logs = logs;
    }

    public FakeZespanBackend Backend { get; }

    /// <summary>Gets the fake provider: answers every request with the OpenAI chat fixture.</summary>
    public TestServer Llm { get; }

    public ServiceProvider Services { get; }

    public FakeLogCollector Logs { get; }

    public IZespanTracer Tracer => Services.GetRequiredService<IZespanTracer>();

    public static async Task<LiveOptionsHarness> StartAsync(params (string Key, string? Value)[] settings)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var llm = await TestServer.StartAsync(static async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Providers.Fixtures.Bytes("openai-chat.json"));
        });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Zespan:ApiKey"] = FakeZespanBackend.ValidApiKey,
            ["Zespan:BaseUrl"] = backend.BaseUrl.ToString(),
            ["Zespan:DisableConfigSync"] = "true",
            ["Zespan:FlushInterval"] = "01:00:00",
            ["Zespan:BatchSize"] = "1000",
        };
        foreach (var (key, value) in settings)
        {
            values["Zespan:" + key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Trace));
        services.AddZespan(configuration.GetSection("Zespan")).InstrumentAllHttpClients();
        services.AddHttpClient(OpenAIClient).AddZespanOpenAI();
        services.AddHttpClient(PlainClient);
        return new LiveOptionsHarness(backend, llm, configuration, services.BuildServiceProvider(), logs);
    }

    /// <summary>Changes settings (<c>Zespan:</c> keys) and reloads the configuration once, as an edited appsettings.json does.</summary>
    public void Set(params (string Key, string? Value)[] settings)
    {
        foreach (var (key, value) in settings)
        {
            _configuration["Zespan:" + key] = value;
        }

        _configuration.Reload();
    }

    /// <summary>Posts a chat completion through a factory client; returns the request the provider received.</summary>
    public async Task<RecordedRequest> ChatAsync(string model = "gpt-4o", string prompt = "hello", string client = OpenAIClient)
    {
        var http = Services.GetRequiredService<IHttpClientFactory>().CreateClient(client);
        var before = Llm.Requests.Count;
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        using var response = await http.PostAsJsonAsync(new Uri(Llm.BaseUrl, "v1/chat/completions"), body);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
        return Llm.Requests[before];
    }

    /// <summary>Flushes (asserting success) and returns the events the backend accepted since the last call.</summary>
    public async Task<IReadOnlyList<JsonObject>> FlushAsync()
    {
        Assert.True(await Services.GetRequiredService<IZespanClient>().FlushAsync());
        return TakeNewEvents();
    }

    /// <summary>Returns the events the backend accepted since the last call.</summary>
    public IReadOnlyList<JsonObject> TakeNewEvents()
    {
        var events = Backend.Events;
        var fresh = events.Skip(_seenEvents).ToArray();
        _seenEvents = events.Count;
        return fresh;
    }

    /// <summary>Returns the batches the backend accepted since the last call.</summary>
    public IReadOnlyList<JsonObject> TakeNewBatches()
    {
        var batches = Backend.Batches;
        var fresh = batches.Skip(_seenBatches).ToArray();
        _seenBatches = batches.Count;
        return fresh;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Llm.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
