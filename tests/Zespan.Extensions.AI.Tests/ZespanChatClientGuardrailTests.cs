using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

public class ZespanChatClientGuardrailTests
{
    private const string GuardrailPath = "/v1/guardrails/check";

    private static List<ChatMessage> Conversation() =>
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, "my card is 4111 1111 1111 1111"),
    ];

    private static JsonObject Pass() => new() { ["passed"] = true, ["results"] = new JsonArray() };

    private static JsonObject Block(string policy = "pii") => new()
    {
        ["passed"] = false,
        ["results"] = new JsonArray(new JsonObject { ["policy"] = policy, ["passed"] = false, ["action"] = "block", ["reason"] = "card number" }),
    };

    private static JsonObject Redact(string text) => new()
    {
        ["passed"] = false,
        ["results"] = new JsonArray(new JsonObject { ["policy"] = "pii", ["passed"] = false, ["action"] = "redact", ["modified_text"] = text }),
    };

    private static Func<JsonObject, JsonObject> OnPhase(string phase, Func<JsonObject> verdict) =>
        check => (string?)check["phase"] == phase ? verdict() : Pass();

    private static Action<ZespanChatClientOptions> Guarded(bool pre = true, bool post = true, bool failClosed = false) =>
        o => o.Guardrails = new GuardrailOptions { Pre = pre, Post = post, FailClosed = failClosed };

    private static async Task DrainAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        await foreach (var _ in updates)
        {
        }
    }

    [Fact]
    public async Task GetResponseAsync_PreBlocked_ThrowsAndInnerNeverCalled()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("pre", () => Block());
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded());

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => chat.GetResponseAsync(Conversation()));

        Assert.Equal(GuardrailPhase.Pre, ex.Phase);
        Assert.Equal("pii", Assert.Single(ex.Results).Policy);
        Assert.Empty(inner.Calls);
        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        var check = Assert.Single(events, e => (string?)e["log_type"] == "guardrail");
        Assert.Equal(403, (int)generation["status_code"]!);
        Assert.Equal(typeof(GuardrailBlockedException).FullName, (string?)generation["error"]!["type"]);
        Assert.Equal((string?)generation["span_id"], (string?)check["parent_span_id"]);
        Assert.Equal((string?)generation["trace_id"], (string?)check["trace_id"]);
        Assert.Equal("pre", (string?)check["guardrail"]!["phase"]);
        Assert.False((bool)check["guardrail"]!["passed"]!);

        // The check saw the prompt, and carries the generation's ids.
        var request = Assert.Single(h.Backend.RequestsTo(GuardrailPath)).Json!;
        Assert.Equal("my card is 4111 1111 1111 1111", (string?)request["messages"]![1]!["content"]);
        Assert.Equal((string?)generation["span_id"], (string?)request["span_id"]);
        Assert.Equal("openai", (string?)request["provider"]);
        Assert.Equal("gpt-4o-mini", (string?)request["model"]);
    }

    [Fact]
    public async Task GetResponseAsync_PostBlocked_ThrowsAfterInnerCallAndRecordsUsage()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("post", () => Block("toxicity"));
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded());

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => chat.GetResponseAsync(Conversation()));

        Assert.Equal(GuardrailPhase.Post, ex.Phase);
        Assert.Single(inner.Calls);
        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.Equal(403, (int)generation["status_code"]!);
        Assert.Equal(17, (int)generation["total_tokens"]!);
        Assert.Null(generation["completion_message"]);
        var checks = events.Where(e => (string?)e["log_type"] == "guardrail").ToList();
        Assert.Equal(2, checks.Count);
        Assert.All(checks, c => Assert.Equal((string?)generation["span_id"], (string?)c["parent_span_id"]));
        Assert.True((bool)checks.Single(c => (string?)c["guardrail"]!["phase"] == "pre")["guardrail"]!["passed"]!);
        Assert.False((bool)checks.Single(c => (string?)c["guardrail"]!["phase"] == "post")["guardrail"]!["passed"]!);
        var postRequest = h.Backend.RequestsTo(GuardrailPath).Single(r => (string?)r.Json!["phase"] == "post").Json!;
        Assert.Equal("Hello there!", (string?)postRequest["completion"]!["content"]);
    }

    [Fact]
    public async Task GetResponseAsync_PreRedact_InnerGetsRedactedCopyAndCallerListUnchanged()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("pre", () => Redact("my card is [REDACTED]"));
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded(post: false));
        var image = new DataContent(new byte[] { 1, 2, 3 }, "image/png");
        List<ChatMessage> messages =
        [
            new(ChatRole.User, "first question"),
            new(ChatRole.Assistant, "first answer"),
            new(ChatRole.User, [new TextContent("my card is "), new TextContent("4111 1111 1111 1111"), image]),
        ];

        await chat.GetResponseAsync(messages);

        var sent = Assert.Single(inner.Calls);
        Assert.Equal("first question", sent[0].Text);
        Assert.Equal("my card is [REDACTED]", sent[2].Text);
        Assert.Contains(image, sent[2].Contents); // only the text is replaced
        Assert.Equal("my card is 4111 1111 1111 1111", messages[2].Text); // the caller's message is not changed
        var generation = await h.SingleGenerationAsync();
        Assert.Equal("my card is [REDACTED]\n[image]", (string?)generation["prompt_messages"]![2]!["content"]);
    }

    [Fact]
    public async Task GetResponseAsync_PostRedact_ResponseTextReplaced()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("post", () => Redact("Hello [NAME]!"));
        var chat = h.Wrap(new FakeChatClient(), Guarded(pre: false));

        var response = await chat.GetResponseAsync(Conversation());

        Assert.Equal("Hello [NAME]!", response.Text);
        var generation = await h.SingleGenerationAsync();
        Assert.Equal("Hello [NAME]!", (string?)generation["completion_message"]!["content"]);
        Assert.Equal(200, (int)generation["status_code"]!);
    }

    [Fact]
    public async Task GetResponseAsync_CheckFailsFailOpen_CallGoesThroughAndUnavailableRecorded()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.Enqueue(GuardrailPath, new CannedResponse(500, """{"error":"down"}"""), count: 2);
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded(failClosed: false));

        var response = await chat.GetResponseAsync(Conversation());

        Assert.Same(inner.Response, response);
        var events = await h.FlushAsync();
        var checks = events.Where(e => (string?)e["log_type"] == "guardrail").ToList();
        Assert.Equal(2, checks.Count);
        Assert.All(checks, c =>
        {
            Assert.True((bool)c["guardrail"]!["passed"]!);
            Assert.Equal("zespan.unavailable", (string?)c["guardrail"]!["results"]![0]!["policy"]);
        });
        Assert.Equal(200, (int)events.Single(e => (string?)e["log_type"] == "generation")["status_code"]!);
    }

    [Fact]
    public async Task GetResponseAsync_CheckFailsFailClosed_BlocksBeforeInnerCall()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.Enqueue(GuardrailPath, new CannedResponse(500, """{"error":"down"}"""));
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded(failClosed: true));

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => chat.GetResponseAsync(Conversation()));

        Assert.Equal(GuardrailPhase.Pre, ex.Phase);
        Assert.Equal("zespan.unavailable", Assert.Single(ex.Results).Policy);
        Assert.Empty(inner.Calls);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_PostOn_NoUpdateReachesCallerBeforeCheckPasses()
    {
        await using var h = await ZespanHarness.StartAsync();
        var postArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Backend.Intercept = async (_, request) =>
        {
            if (request.Path == GuardrailPath && (string?)request.Json!["phase"] == "post")
            {
                postArrived.TrySetResult();
                await release.Task;
            }

            return false;
        };
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded(pre: false));

        await using var updates = chat.GetStreamingResponseAsync(Conversation()).GetAsyncEnumerator();
        var first = updates.MoveNextAsync().AsTask();
        await postArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(first.IsCompleted); // held back while the completion is checked
        Assert.Equal(4, inner.UpdatesSent); // the whole stream was read for the check
        var check = Assert.Single(h.Backend.RequestsTo(GuardrailPath)).Json!;
        Assert.Equal("Hello!", (string?)check["completion"]!["content"]);
        release.SetResult();

        Assert.True(await first);
        var received = new List<ChatResponseUpdate> { updates.Current };
        while (await updates.MoveNextAsync())
        {
            received.Add(updates.Current);
        }

        Assert.Equal(inner.Updates, received);
        await updates.DisposeAsync();
        var generation = await h.SingleGenerationAsync();
        Assert.Equal("Hello!", (string?)generation["completion_message"]!["content"]);
        Assert.NotNull(generation["time_to_first_token"]);
        Assert.Null(generation["metadata"]!["capture_outcome"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_PostBlocked_ThrowsBeforeFirstUpdate()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("post", () => Block("toxicity"));
        var chat = h.Wrap(new FakeChatClient(), Guarded());

        var received = 0;
        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(async () =>
        {
            await foreach (var _ in chat.GetStreamingResponseAsync(Conversation()))
            {
                received++;
            }
        });

        Assert.Equal(GuardrailPhase.Post, ex.Phase);
        Assert.Equal(0, received);
        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.Equal(403, (int)generation["status_code"]!);
        Assert.Null(generation["completion_message"]);
        Assert.Equal(12, (int)generation["total_tokens"]!);
        Assert.Equal(2, events.Count(e => (string?)e["log_type"] == "guardrail"));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_PostRedact_ActsAsBlock()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("post", () => Redact("Hello [NAME]!"));
        var chat = h.Wrap(new FakeChatClient(), Guarded(pre: false));

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => DrainAsync(chat.GetStreamingResponseAsync(Conversation())));

        Assert.Equal(GuardrailPhase.Post, ex.Phase);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_PreBlocked_ThrowsAndInnerNeverCalled()
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("pre", () => Block());
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded());

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => DrainAsync(chat.GetStreamingResponseAsync(Conversation())));

        Assert.Equal(GuardrailPhase.Pre, ex.Phase);
        Assert.Empty(inner.Calls);
    }

    [Fact]
    public async Task GetResponseAsync_GuardrailRuleForProvider_Applies()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.GuardrailRules.Add(new GuardrailRule { Provider = "openai", Pre = true, Post = false }));
        h.Backend.GuardrailResponder = _ => Block();
        var openai = h.Wrap(new FakeChatClient(providerName: "openai"));
        var anthropic = h.Wrap(new FakeChatClient(providerName: "anthropic"));

        await Assert.ThrowsAsync<GuardrailBlockedException>(() => openai.GetResponseAsync(Conversation()));
        await anthropic.GetResponseAsync(Conversation()); // no rule for anthropic

        Assert.Single(h.Backend.RequestsTo(GuardrailPath));
    }

    [Fact]
    public async Task GetResponseAsync_ClientOptionsOff_WinOverRule()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.GuardrailRules.Add(new GuardrailRule { Provider = "*" }));
        h.Backend.GuardrailResponder = _ => Block();
        var chat = h.Wrap(new FakeChatClient(), Guarded(pre: false, post: false));

        await chat.GetResponseAsync(Conversation());

        Assert.Empty(h.Backend.RequestsTo(GuardrailPath));
    }

    [Fact]
    public async Task GetResponseAsync_TracingDisabled_GuardrailsStillBlock()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.DisableTracing = true);
        h.Backend.GuardrailResponder = OnPhase("pre", () => Block());
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, Guarded());

        await Assert.ThrowsAsync<GuardrailBlockedException>(() => chat.GetResponseAsync(Conversation()));

        Assert.Empty(inner.Calls);
        Assert.Empty(await h.FlushAsync());
    }

    [Fact]
    public async Task GetResponseAsync_StorePromptsOff_CheckStillSendsTextButEventHasNone()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.StorePrompts = false);
        var chat = h.Wrap(new FakeChatClient(), Guarded());

        await chat.GetResponseAsync(Conversation());

        var pre = h.Backend.RequestsTo(GuardrailPath).Single(r => (string?)r.Json!["phase"] == "pre").Json!;
        Assert.Equal("my card is 4111 1111 1111 1111", (string?)pre["messages"]![1]!["content"]);
        var generation = await h.SingleGenerationAsync();
        Assert.Null(generation["prompt_messages"]);
        Assert.Null(generation["completion_message"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetResponseAsync_PostRedactCannotBeApplied_FailClosedDecides(bool failClosed)
    {
        await using var h = await ZespanHarness.StartAsync();
        h.Backend.GuardrailResponder = OnPhase("post", () => Redact("[REDACTED]"));
        var response = new ChatResponse { Messages = Array.AsReadOnly([new ChatMessage(ChatRole.Assistant, "mail me at a@b.com")]) };
        var chat = h.Wrap(new FakeChatClient { Response = response }, Guarded(pre: false, failClosed: failClosed));

        if (failClosed)
        {
            var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => chat.GetResponseAsync(Conversation()));
            Assert.Equal(GuardrailPhase.Post, ex.Phase);
            Assert.Equal("zespan.unavailable", Assert.Single(ex.Results).Policy);
        }
        else
        {
            var answer = await chat.GetResponseAsync(Conversation());
            Assert.Equal("mail me at a@b.com", answer.Text);
        }
    }
}
