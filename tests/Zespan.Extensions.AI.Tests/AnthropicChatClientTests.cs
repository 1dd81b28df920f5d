using System.Text;
using Anthropic;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>
/// The real Anthropic SDK's own <see cref="IChatClient"/> (<c>AsIChatClient</c>) wrapped by Zespan, over an
/// <see cref="IHttpClientFactory"/> client that Zespan also instruments, against a loopback Kestrel server
/// serving the provider fixtures: one logical call gives one event carrying both layers' fields.
/// </summary>
public class AnthropicChatClientTests
{
    private const string GuardrailPath = "/v1/guardrails/check";

    private static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "providers", name));

    private static Func<HttpContext, RecordedRequest, Task> Serve(string fixture, string contentType = "application/json", int status = 200) =>
        async (context, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(Fixture(fixture));
        };

    private static async Task<(ZespanTestHost Harness, LoopbackServer Provider, IChatClient Chat)> StartAsync(
        Func<HttpContext, RecordedRequest, Task> provider,
        Action<ZespanInstrumentationOptions>? http = null,
        Action<ZespanChatClientOptions>? middleware = null)
    {
        var server = await LoopbackServer.StartAsync(provider);
        var h = await ZespanTestHost.StartChatAsync(services: s => s.AddHttpClient("anthropic").AddZespanAnthropic(http));
        var anthropic = new AnthropicClient
        {
            BaseUrl = server.BaseUrl.ToString().TrimEnd('/'),
            ApiKey = "sk-ant-test",
            MaxRetries = 0,
            HttpClient = h.Services.GetRequiredService<IHttpClientFactory>().CreateClient("anthropic"),
        };
        var chat = h.Wrap(anthropic.AsIChatClient("claude-haiku-4-5"), middleware);
        return (h, server, chat);
    }

    [Fact]
    public async Task GetResponseAsync_AnthropicSdkOverInstrumentedHttpClient_OneEventWithBothLayers()
    {
        var (h, server, chat) = await StartAsync(Serve("anthropic-messages.json"));
        await using var _ = h;
        await using var __ = server;

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.System, "Be nice."), new ChatMessage(ChatRole.User, "Hello, Claude")]);

        Assert.Equal("Hi! My name is Claude.", response.Text);
        var e = Assert.Single(await h.FlushAsync());

        // The middleware's fields.
        Assert.Equal("generation", (string?)e["log_type"]);
        Assert.Equal("anthropic.chat", (string?)e["name"]);
        Assert.Equal("anthropic", (string?)e["provider"]);
        Assert.Equal("claude-haiku-4-5", (string?)e["model"]);
        Assert.Equal("claude-sonnet-4-5-20250929", (string?)e["response_model"]);
        Assert.Equal("Hello, Claude", (string?)e["prompt_messages"]![1]!["content"]);
        Assert.Equal("Hi! My name is Claude.", (string?)e["completion_message"]!["content"]);
        Assert.Equal("stop", (string?)e["finish_reason"]);
        Assert.Equal(2095, (int)e["prompt_tokens"]!);
        Assert.Equal(503, (int)e["completion_tokens"]!);
        Assert.False((bool)e["stream"]!);
        Assert.NotNull(e["cost"]);

        // The HTTP layer's fields, on the same event.
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.Equal(2095, (int)e["metadata"]!["usage"]!["input_tokens"]!);
        Assert.Equal(503, (int)e["metadata"]!["usage"]!["output_tokens"]!);
        Assert.Null(e["metadata"]!["usage"]!["cached_input_tokens"]); // the raw usage, not the abstraction's breakdown
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AnthropicSdkOverInstrumentedHttpClient_OneStreamedEvent()
    {
        var (h, server, chat) = await StartAsync(Serve("anthropic-stream.sse", "text/event-stream"));
        await using var _ = h;
        await using var __ = server;

        var text = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hello")]))
        {
            text.Append(update.Text);
        }

        Assert.Equal("Hello!", text.ToString());
        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["stream"]!);
        Assert.Equal("anthropic.chat", (string?)e["name"]);
        Assert.Equal("Hello!", (string?)e["completion_message"]!["content"]);
        Assert.Equal("stop", (string?)e["finish_reason"]);
        Assert.Equal(25, (int)e["prompt_tokens"]!);
        Assert.Equal(15, (int)e["completion_tokens"]!);
        Assert.NotNull(e["time_to_first_token"]);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.NotNull(e["metadata"]!["usage"]);
    }

    [Fact]
    public async Task GetResponseAsync_ProviderError_OneEventWithHttpStatusAndSdkException()
    {
        var (h, server, chat) = await StartAsync(Serve("anthropic-error.json", status: 400));
        await using var _ = h;
        await using var __ = server;

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")]));

        Assert.IsNotType<GuardrailBlockedException>(thrown);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(400, (int)e["status_code"]!); // from the HTTP layer, not the middleware's 500
        Assert.Equal(thrown.GetType().FullName, (string?)e["error"]!["type"]);
    }

    [Fact]
    public async Task GetResponseAsync_GuardrailsOnBothLayers_EachPhaseCheckedOnce()
    {
        var guard = new GuardrailOptions { Pre = true, Post = true };
        var (h, server, chat) = await StartAsync(
            Serve("anthropic-messages.json"),
            http: o => o.Guardrails = guard,
            middleware: o => o.Guardrails = guard);
        await using var _ = h;
        await using var __ = server;

        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello, Claude")]);

        var checks = h.Backend.RequestsTo(GuardrailPath);
        Assert.Equal(2, checks.Count);
        Assert.Single(checks, c => (string?)c.Json!["phase"] == "pre");
        Assert.Single(checks, c => (string?)c.Json!["phase"] == "post");
        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.All(events.Where(e => (string?)e["log_type"] == "guardrail"), c => Assert.Equal((string?)generation["span_id"], (string?)c["parent_span_id"]));
    }

    [Fact]
    public async Task GetResponseAsync_HttpClientGuardrailsOnly_HandlerStillChecksUnderMiddleware()
    {
        var (h, server, chat) = await StartAsync(
            Serve("anthropic-messages.json"),
            http: o => o.Guardrails = new GuardrailOptions { Pre = true, Post = false });
        await using var _ = h;
        await using var __ = server;
        h.Backend.GuardrailResponder = _ => new System.Text.Json.Nodes.JsonObject
        {
            ["passed"] = false,
            ["results"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["policy"] = "pii", ["passed"] = false, ["action"] = "block" }),
        };

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello, Claude")]));

        Assert.Equal(GuardrailPhase.Pre, ex.Phase);
        Assert.Empty(server.Requests);
        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.Equal(403, (int)generation["status_code"]!);
    }

    [Fact]
    public async Task GetResponseAsync_SampleRateZero_NoEventFromEitherLayer()
    {
        var server = await LoopbackServer.StartAsync(Serve("anthropic-messages.json"));
        await using var __ = server;
        await using var h = await ZespanTestHost.StartChatAsync(o => o.SampleRate = 0, s => s.AddHttpClient("anthropic").AddZespanAnthropic());
        var anthropic = new AnthropicClient
        {
            BaseUrl = server.BaseUrl.ToString().TrimEnd('/'),
            ApiKey = "sk-ant-test",
            MaxRetries = 0,
            HttpClient = h.Services.GetRequiredService<IHttpClientFactory>().CreateClient("anthropic"),
        };
        var chat = h.Wrap(anthropic.AsIChatClient("claude-haiku-4-5"));

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello, Claude")]);

        Assert.Equal("Hi! My name is Claude.", response.Text);
        Assert.Empty(await h.FlushAsync());
    }

    [Fact]
    public async Task GetResponseAsync_ModelOverrideInHttpLayer_EventNamesModelSentAndRequested()
    {
        var server = await LoopbackServer.StartAsync(Serve("anthropic-messages.json"));
        await using var __ = server;
        await using var h = await ZespanTestHost.StartChatAsync(
            o => o.ModelOverrides.Add(new ModelOverride { From = "claude-haiku-4-5", To = "claude-3-haiku" }),
            s => s.AddHttpClient("anthropic").AddZespanAnthropic());
        var anthropic = new AnthropicClient
        {
            BaseUrl = server.BaseUrl.ToString().TrimEnd('/'),
            ApiKey = "sk-ant-test",
            MaxRetries = 0,
            HttpClient = h.Services.GetRequiredService<IHttpClientFactory>().CreateClient("anthropic"),
        };
        var chat = h.Wrap(anthropic.AsIChatClient("claude-haiku-4-5"));

        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello, Claude")]);

        Assert.Equal("claude-3-haiku", (string?)Assert.Single(server.Requests).Json!["model"]);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("claude-3-haiku", (string?)e["model"]);
        Assert.Equal("claude-haiku-4-5", (string?)e["requested_model"]);
    }
}
