using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Anthropic;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>
/// The IChatClient producer path: no sink (the Zespan wire, activities, metric tags, logs) sees what the redaction
/// rules remove, with content on activities on and off, alone and over an instrumented HttpClient.
/// </summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class RedactionBeforeEverySinkTests
{
    private const string Secret = "my password: hunter2, api_key=sk-live-SECRET";
    private static readonly string[] SecretValues = ["hunter2", "sk-live-SECRET"];

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task ChatClient_SecretsInMessagesAndCompletion_NoSinkSeesThem(bool stream, bool captureContent)
    {
        using var sinks = new TelemetrySinks();
        await using var h = await ZespanTestHost.StartChatAsync(o => Configure(o, captureContent), sinks.AddLogging);
        var inner = new FakeChatClient
        {
            Response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Noted: " + Secret)) { ModelId = "gpt-4o-mini" },
            Updates = [new ChatResponseUpdate(ChatRole.Assistant, "Noted: my password: "), new ChatResponseUpdate(ChatRole.Assistant, "hunter2, api_key=sk-live-SECRET") { FinishReason = ChatFinishReason.Stop }],
        };
        var chat = h.Wrap(inner);
        List<ChatMessage> messages = [new(ChatRole.System, "Careful: " + Secret), new(ChatRole.User, Secret)];

        if (stream)
        {
            await foreach (var _ in chat.GetStreamingResponseAsync(messages))
            {
            }
        }
        else
        {
            await chat.GetResponseAsync(messages);
        }

        var events = await h.FlushAsync();
        AssertRedactedEverywhere(h.Backend, sinks, events, captureContent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnthropicSdkOverInstrumentedHttpClient_Secrets_NoSinkSeesThem(bool captureContent)
    {
        using var sinks = new TelemetrySinks();
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject
            {
                ["id"] = "msg_1",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = "claude-haiku-4-5",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Noted: " + Secret }),
                ["stop_reason"] = "end_turn",
                ["usage"] = new JsonObject { ["input_tokens"] = 10, ["output_tokens"] = 8 },
            }.ToJsonString());
        });
        await using var h = await ZespanTestHost.StartChatAsync(o => Configure(o, captureContent), s =>
        {
            sinks.AddLogging(s);
            s.AddHttpClient("anthropic").AddZespanAnthropic();
        });
        var anthropic = new AnthropicClient
        {
            BaseUrl = server.BaseUrl.ToString().TrimEnd('/'),
            ApiKey = "sk-ant-test",
            MaxRetries = 0,
            HttpClient = h.Services.GetRequiredService<IHttpClientFactory>().CreateClient("anthropic"),
        };
        var chat = h.Wrap(anthropic.AsIChatClient("claude-haiku-4-5"));

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, Secret)]);

        Assert.Contains("hunter2", response.Text, StringComparison.Ordinal); // the caller's answer is untouched
        var events = await h.FlushAsync();
        Assert.Single(events, e => (string?)e["log_type"] == "generation");
        AssertRedactedEverywhere(h.Backend, sinks, events, captureContent);
    }

    private static void Configure(ZespanOptions options, bool captureContent)
    {
        options.Debug = true;
        options.OtelCaptureContent = captureContent;
    }

    private static void AssertRedactedEverywhere(FakeZespanBackend backend, TelemetrySinks sinks, IReadOnlyList<JsonObject> events, bool captureContent)
    {
        Assert.Contains(events, e => (string?)e["log_type"] == "generation");
        foreach (var request in backend.RequestsTo("/v1/ingest"))
        {
            using var gzip = new GZipStream(new MemoryStream(request.RawBody), CompressionMode.Decompress);
            var wire = new StreamReader(gzip, Encoding.UTF8).ReadToEnd();
            AssertNoSecret(wire, "the Zespan wire");
            Assert.Contains("[REDACTED]", wire, StringComparison.Ordinal);
        }

        var spanIds = events.Select(e => (string?)e["span_id"]).ToHashSet();
        var mine = sinks.Activities.Where(a => spanIds.Contains(a.SpanId.ToHexString())).ToList();
        Assert.NotEmpty(mine);
        AssertNoSecret(sinks.Text, "an activity, metric or log");
        Assert.Equal(captureContent, mine.Any(a => a.GetTagItem("gen_ai.input.messages") is not null));
        Assert.Equal(captureContent, mine.Any(a => a.GetTagItem("gen_ai.output.messages") is not null));
    }

    private static void AssertNoSecret(string text, string where)
    {
        foreach (var secret in SecretValues)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"'{secret}' reached {where}:\n{text}");
        }
    }
}
