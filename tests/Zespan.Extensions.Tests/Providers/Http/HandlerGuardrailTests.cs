using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

public class HandlerGuardrailTests
{
    private static ChatClient Chat(ZespanTestHost h, string model = "gpt-4o-mini") =>
        new(model, new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(h.Provider.BaseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(h.Factory.CreateClient("openai")),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    private static Action<IServiceCollection, Uri> Guarded(bool pre = true, bool post = true, bool failClosed = false) =>
        (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(o => o.Guardrails = new GuardrailOptions { Pre = pre, Post = post, FailClosed = failClosed });

    private static JsonObject Verdict(string phase, string action, string? modified = null) => JsonNode.Parse($$"""
        {"passed": false, "results": [{"policy": "pii", "passed": false, "action": "{{action}}", "reason": "{{phase}} says no", "modified_text": {{(modified is null ? "null" : "\"" + modified + "\"")}}}]}
        """)!.AsObject();

    private static JsonObject Pass() => new() { ["passed"] = true, ["results"] = new JsonArray() };

    [Fact]
    public async Task PreBlock_ProviderReceivesNothingAndCallerGetsGuardrailBlockedException()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), Guarded());
        h.Backend.GuardrailResponder = check => (string?)check["phase"] == "pre" ? Verdict("pre", "block") : Pass();

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => Chat(h).CompleteChatAsync([new UserChatMessage("my card is 4111")]));

        Assert.Equal(GuardrailPhase.Pre, ex.Phase);
        Assert.Equal("pii", Assert.Single(ex.Results).Policy);
        Assert.Empty(h.Provider.Requests);
        var check = Assert.Single(h.Backend.RequestsTo("/v1/guardrails/check")).Json!;
        Assert.Equal("my card is 4111", (string?)check["messages"]![0]!["content"]);
        Assert.Equal("gpt-4o-mini", (string?)check["model"]);
        var guardrail = Assert.Single(await h.FlushAsync(), e => (string?)e["log_type"] == "guardrail");
        Assert.False((bool)guardrail["guardrail"]!["passed"]!);
        Assert.Equal("pre", (string?)guardrail["guardrail"]!["phase"]);
    }

    [Fact]
    public async Task PostBlock_CompletionNeverReachesCaller()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), Guarded());
        h.Backend.GuardrailResponder = check => (string?)check["phase"] == "post" ? Verdict("post", "block") : Pass();

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => Chat(h).CompleteChatAsync([new UserChatMessage("hello")]));

        Assert.Equal(GuardrailPhase.Post, ex.Phase);
        Assert.Single(h.Provider.Requests);
        var post = Assert.Single(h.Backend.RequestsTo("/v1/guardrails/check"), r => (string?)r.Json!["phase"] == "post").Json!;
        Assert.Equal("Hello! How can I assist you today?", (string?)post["completion"]!["content"]);
        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.Equal(2, events.Count(e => (string?)e["log_type"] == "guardrail" && (string?)e["parent_span_id"] == (string?)generation["span_id"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CheckFails_FailClosedDecides(bool failClosed)
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), Guarded(post: false, failClosed: failClosed));
        h.Backend.FailNext("/v1/guardrails/check", 5, System.Net.HttpStatusCode.InternalServerError);

        if (failClosed)
        {
            var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => Chat(h).CompleteChatAsync([new UserChatMessage("hello")]));
            Assert.Equal("zespan.unavailable", Assert.Single(ex.Results).Policy);
            Assert.Empty(h.Provider.Requests);
        }
        else
        {
            ChatCompletion completion = await Chat(h).CompleteChatAsync([new UserChatMessage("hello")]);
            Assert.Equal("Hello! How can I assist you today?", completion.Content[0].Text);
            Assert.Single(h.Provider.Requests);
        }

        var guardrail = Assert.Single(await h.FlushAsync(), e => (string?)e["log_type"] == "guardrail");
        Assert.Equal("zespan.unavailable", (string?)guardrail["guardrail"]!["results"]![0]!["policy"]);
        Assert.Equal(!failClosed, (bool)guardrail["guardrail"]!["passed"]!);
    }

    [Fact]
    public async Task CheckTimesOut_FailOpenLetsCallThrough()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), Guarded(post: false), o => o.GuardrailTimeout = TimeSpan.FromMilliseconds(200));
        h.Backend.Enqueue("/v1/guardrails/check", new CannedResponse(200, """{"passed": false, "results": []}""", Delay: TimeSpan.FromSeconds(30)));

        ChatCompletion completion = await Chat(h).CompleteChatAsync([new UserChatMessage("hello")]);

        Assert.Equal("Hello! How can I assist you today?", completion.Content[0].Text);
    }

    [Fact]
    public async Task PreRedact_ProviderReceivesModifiedLastUserMessage()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), Guarded(post: false));
        h.Backend.GuardrailResponder = _ => Verdict("pre", "redact", "my email is [EMAIL]");

        await Chat(h).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("my email is a@b.com")]);

        var sent = Assert.Single(h.Provider.Requests).Json!;
        Assert.Equal("my email is [EMAIL]", (string?)sent["messages"]![1]!["content"]);
        Assert.Equal("Be brief.", (string?)sent["messages"]![0]!["content"]);
    }

    [Fact]
    public async Task PostRedact_CallerGetsModifiedCompletion()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), Guarded(pre: false));
        h.Backend.GuardrailResponder = _ => Verdict("post", "redact", "Hello! [REDACTED]");

        ChatCompletion completion = await Chat(h).CompleteChatAsync([new UserChatMessage("hello")]);

        Assert.Equal("Hello! [REDACTED]", completion.Content[0].Text);
    }

    [Fact]
    public async Task StreamingPost_ContentIsHeldBackUntilCheckPasses()
    {
        var order = new ConcurrentQueue<string>();
        var lines = Fixtures.Text("openai-chat-stream.sse").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        async Task Stream(HttpContext context, RecordedRequest _)
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var line in lines)
            {
                await context.Response.WriteAsync(line + "\n\n");
                await context.Response.Body.FlushAsync();
            }

            order.Enqueue("server-finished");
        }

        await using var h = await ZespanTestHost.StartInstrumentedAsync(Stream, Guarded(pre: false));
        h.Backend.GuardrailResponder = _ =>
        {
            order.Enqueue("check");
            return Pass();
        };

        await foreach (var update in Chat(h).CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            order.Enqueue("update");
        }

        var sequence = order.ToArray();
        Assert.Equal("server-finished", sequence[0]);
        Assert.Equal("check", sequence[1]);
        Assert.All(sequence.Skip(2), s => Assert.Equal("update", s));
        Assert.True(sequence.Length > 3);
    }

    [Theory]
    [InlineData("block")]
    [InlineData("redact")]
    public async Task StreamingPost_BlockOrRedactThrowsBeforeFirstUpdate(string action)
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat-stream.sse", "text/event-stream"), Guarded(pre: false));
        h.Backend.GuardrailResponder = _ => Verdict("post", action, "x");
        var updates = 0;

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(async () =>
        {
            await foreach (var update in Chat(h).CompleteChatStreamingAsync([new UserChatMessage("hello")]))
            {
                updates++;
            }
        });

        Assert.Equal(0, updates);
        Assert.Equal(GuardrailPhase.Post, ex.Phase);
    }

    [Fact]
    public async Task RemoteGuardrailEnable_ChecksClientsWithoutOwnOptions()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(), o => o.DisableConfigSync = false);
        h.Backend.SetConfig(4, """[{"type": "guardrail_enable", "provider": "openai", "pre": true, "post": false}]""");
        await h.Services.GetRequiredService<IZespanClient>().RefreshConfigAsync();
        h.Backend.GuardrailResponder = _ => Verdict("pre", "block");

        await Assert.ThrowsAsync<GuardrailBlockedException>(() => Chat(h).CompleteChatAsync([new UserChatMessage("hello")]));

        Assert.Empty(h.Provider.Requests);
        Assert.Single(h.Backend.RequestsTo("/v1/guardrails/check"));
    }

    [Fact]
    public async Task RemoteRulesChangingUnderLoad_EachCallCarriesOneConsistentVersion()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(), o => o.DisableConfigSync = false);

        // The backend serves an odd (override) version too, so a poll landing mid-flood keeps the parity rule true.
        h.Backend.SetConfig(1, """[{"type": "model_override", "from": "gpt-4o", "to": "gpt-4o-mini"}]""");
        var store = h.Services.GetRequiredService<RemoteConfigStore>();
        var odd = new Func<long, RemoteConfigSnapshot>(v => new RemoteConfigSnapshot { Version = v, ModelOverrides = [new ModelOverride { From = "gpt-4o", To = "gpt-4o-mini" }] });
        var even = new Func<long, RemoteConfigSnapshot>(v => new RemoteConfigSnapshot { Version = v });
        store.Update(odd(1));
        var chat = Chat(h, "gpt-4o");
        using var stop = new CancellationTokenSource();
        var flipper = Task.Run(async () =>
        {
            for (long v = 2; !stop.IsCancellationRequested; v++)
            {
                store.Update(v % 2 == 1 ? odd(v) : even(v));
                await Task.Yield();
            }
        });

        var calls = Enumerable.Range(0, 40).Select(_ => chat.CompleteChatAsync([new UserChatMessage("hello")])).ToArray();
        await Task.WhenAll(calls);
        stop.Cancel();
        await flipper;

        var events = (await h.FlushAsync()).Where(e => (string?)e["log_type"] == "generation").ToList();
        Assert.Equal(40, events.Count);
        foreach (var e in events)
        {
            var version = (long)e["config_version"]!;
            if (version % 2 == 1)
            {
                Assert.Equal("gpt-4o-mini", (string?)e["model"]);
                Assert.Equal("gpt-4o", (string?)e["requested_model"]);
            }
            else
            {
                Assert.Equal("gpt-4o", (string?)e["model"]);
                Assert.Null(e["requested_model"]);
            }
        }
    }
}
