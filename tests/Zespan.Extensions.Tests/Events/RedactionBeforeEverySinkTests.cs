using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Tests.Diagnostics;
using Zespan.Extensions.Tests.Providers;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Events;

/// <summary>
/// No sink ever sees what the redaction rules remove: the Zespan wire, every tag, event and status of every
/// activity, every metric tag and every log line, on every producer path, with content on activities on and off.
/// </summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class RedactionBeforeEverySinkTests
{
    private const string Secret = "my password: hunter2, api_key=sk-live-SECRET";
    private static readonly string[] SecretValues = ["hunter2", "sk-live-SECRET"];

    private const string ChatResponse = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Noted. my password: hunter2, api_key=sk-live-SECRET"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}
        """;

    private const string ChatStream =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"my password: \"}}]}\n\n" +
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hunter2, api_key=sk-live-SECRET\"},\"finish_reason\":\"stop\"}]}\n\n" +
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21}}\n\n" +
        "data: [DONE]\n\n";

    private const string ErrorResponse = """{"error":{"message":"Invalid request: api_key=sk-live-SECRET was sent with my password: hunter2","type":"invalid_request_error","code":null}}""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HttpHandler_SecretsInPromptAndCompletion_NoSinkSeesThem(bool captureContent)
    {
        using var sinks = new TelemetrySinks();
        await using var h = await StartAsync(sinks, captureContent, Respond(ChatResponse, "application/json"));

        var response = await h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), PromptBody(stream: false));
        Assert.Contains("hunter2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal); // the caller's bytes are untouched

        var events = await h.FlushAsync();
        AssertRedactedEverywhere(h, sinks, events, captureContent, "generation");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HttpHandler_SecretsInStream_NoSinkSeesThem(bool captureContent)
    {
        using var sinks = new TelemetrySinks();
        await using var h = await StartAsync(sinks, captureContent, Respond(ChatStream, "text/event-stream"));

        var response = await h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), PromptBody(stream: true));
        Assert.Contains("hunter2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var events = await h.FlushAsync();
        AssertRedactedEverywhere(h, sinks, events, captureContent, "generation");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HttpHandler_SecretsInProviderError_NoSinkSeesThem(bool captureContent)
    {
        using var sinks = new TelemetrySinks();
        await using var h = await StartAsync(sinks, captureContent, Respond(ErrorResponse, "application/json", 400));

        var response = await h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), PromptBody(stream: false));
        await response.Content.ReadAsStringAsync();

        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.Contains("[REDACTED]", (string?)generation["error"]?["message"], StringComparison.Ordinal);
        AssertRedactedEverywhere(h, sinks, events, captureContent, "generation");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SpansAgentsToolsAndLogGeneration_SecretsEverywhere_NoSinkSeesThem(bool captureContent)
    {
        using var sinks = new TelemetrySinks();
        await using var h = await StartAsync(sinks, captureContent, Respond(ChatResponse, "application/json"));
        var tracer = h.Services.GetRequiredService<IZespanTracer>();
        var context = h.Services.GetRequiredService<IZespanContextAccessor>();

        using (context.BeginScope(userId: "u-1", tags: new Dictionary<string, string> { ["api_key"] = "sk-live-SECRET", ["note"] = Secret }))
        using (var span = tracer.StartSpan("workflow"))
        {
            span.SetTag("password", "hunter2");
            span.SetTag("comment", Secret);
            span.SetMetadata("request", new Dictionary<string, object?> { ["headers"] = new Dictionary<string, string> { ["Authorization"] = "Bearer sk-live-SECRET" }, ["note"] = Secret });
            span.RecordException(new InvalidOperationException(Secret));
            using (var agent = tracer.StartAgent("support"))
            {
                agent.LogPlan([Secret, "answer"]);
                agent.TraceTool("lookup", new { query = Secret, api_key = "sk-live-SECRET" }, () => new { answer = Secret });
                await Assert.ThrowsAsync<InvalidOperationException>(() => agent.TraceToolAsync<string>("failing", new { password = "hunter2" }, () => throw new InvalidOperationException(Secret)));
                agent.DelegateTo("billing", Secret);
                tracer.LogGeneration(new GenerationLog
                {
                    Model = "gpt-4o-mini",
                    Provider = "openai",
                    PromptMessages = [new LlmMessage("system", Secret), new LlmMessage("user", Secret)],
                    CompletionMessage = new LlmMessage("assistant", Secret) { ToolCalls = [new LlmToolCall("call-1", "lookup", """{"api_key":"sk-live-SECRET"}""")] },
                    PromptTokens = 3,
                    CompletionTokens = 4,
                    Metadata = new Dictionary<string, object?> { ["token"] = "sk-live-SECRET", ["text"] = Secret },
                    Tags = new Dictionary<string, string> { ["secret"] = "hunter2" },
                    Error = new InvalidOperationException(Secret),
                });
            }
        }

        var events = await h.FlushAsync();
        Assert.Contains(events, e => (string?)e["log_type"] == "tool");
        Assert.Contains(events, e => (string?)e["log_type"] == "plan");
        Assert.Contains(events, e => (string?)e["log_type"] == "handoff");
        AssertRedactedEverywhere(h, sinks, events, captureContent, "generation", "tool", "plan", "handoff", "agent", "workflow");
    }

    [Fact]
    public async Task HttpHandler_ContentOff_ActivityHasGenAiAttributesButNoContent()
    {
        using var sinks = new TelemetrySinks();
        await using var h = await StartAsync(sinks, captureContent: false, Respond(ChatResponse, "application/json"));

        var response = await h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), PromptBody(stream: false));
        await response.Content.ReadAsStringAsync();
        var events = await h.FlushAsync();

        var activity = Assert.Single(sinks.Activities, a => a.SpanId.ToHexString() == (string?)events[0]["span_id"]);
        Assert.Equal("gpt-4o-mini", activity.GetTagItem("gen_ai.request.model"));
        Assert.Equal(12, activity.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Null(activity.GetTagItem("gen_ai.input.messages"));
        Assert.Null(activity.GetTagItem("gen_ai.output.messages"));
        Assert.Null(activity.GetTagItem("gen_ai.system_instructions"));

        // StorePrompts alone governs Zespan: the event still carries the (redacted) messages.
        Assert.NotNull(events[0]["prompt_messages"]);
    }

    private static async Task<ZespanTestHost> StartAsync(TelemetrySinks sinks, bool captureContent, Func<HttpContext, RecordedRequest, Task> provider) =>
        await ZespanTestHost.StartInstrumentedAsync(
            provider,
            (s, _) =>
            {
                sinks.AddLogging(s);
                s.AddHttpClient("openai").AddZespanOpenAI();
            },
            o =>
            {
                o.Debug = true;
                o.OtelCaptureContent = captureContent;
            });

    private static Func<HttpContext, RecordedRequest, Task> Respond(string body, string contentType, int status = 200) =>
        async (context, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        };

    private static StringContent PromptBody(bool stream) => new(
        new JsonObject
        {
            ["model"] = "gpt-4o-mini",
            ["stream"] = stream,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Be careful with " + Secret },
                new JsonObject { ["role"] = "user", ["content"] = Secret }),
        }.ToJsonString(),
        Encoding.UTF8,
        "application/json");

    private static void AssertRedactedEverywhere(ZespanTestHost h, TelemetrySinks sinks, IReadOnlyList<JsonObject> events, bool captureContent, params string[] logTypes)
    {
        foreach (var logType in logTypes)
        {
            Assert.Contains(events, e => (string?)e["log_type"] == logType);
        }

        // The wire: every ingest body as sent (gzip), decompressed.
        foreach (var request in h.Backend.RequestsTo("/v1/ingest"))
        {
            var wire = Gunzip(request.RawBody);
            AssertNoSecret(wire, "the Zespan wire");
            Assert.Contains("[REDACTED]", wire, StringComparison.Ordinal);
        }

        // Activities of these events, metrics and logs.
        var spanIds = events.Select(e => (string?)e["span_id"]).ToHashSet();
        var mine = sinks.Activities.Where(a => spanIds.Contains(a.SpanId.ToHexString())).ToList();
        Assert.NotEmpty(mine);
        var activities = new StringBuilder();
        foreach (var activity in mine)
        {
            TelemetrySinks.Describe(activity, activities);
        }

        AssertNoSecret(activities.ToString(), "an activity");
        AssertNoSecret(sinks.Text, "an activity, metric or log");
        Assert.Contains(sinks.Measurements, m => m.StartsWith("gen_ai.client", StringComparison.Ordinal));
        Assert.Equal(captureContent, mine.Any(a => a.GetTagItem("gen_ai.input.messages") is not null));
        if (captureContent)
        {
            Assert.Contains("[REDACTED]", (string)mine.First(a => a.GetTagItem("gen_ai.input.messages") is not null).GetTagItem("gen_ai.input.messages")!, StringComparison.Ordinal);
        }
    }

    private static void AssertNoSecret(string text, string where)
    {
        foreach (var secret in SecretValues)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"'{secret}' reached {where}:\n{text}");
        }
    }

    private static string Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
