using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

public class ZespanHttpHandlerTests
{
    private static ChatClient OpenAIChat(HttpClient http, Uri baseUrl, string model = "gpt-4o-mini") =>
        new(model, new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    private static AnthropicClient Anthropic(HttpClient http, Uri baseUrl) =>
        new() { BaseUrl = baseUrl.ToString().TrimEnd('/'), ApiKey = "sk-ant-test", MaxRetries = 0, HttpClient = http };

    private static void OpenAIClient(IServiceCollection services, Uri baseUrl) =>
        services.AddHttpClient("openai").AddZespanOpenAI();

    [Fact]
    public async Task CompleteChatAsync_OpenAISdk_ResultUnchangedAndEventRecorded()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), OpenAIClient);
        var bare = OpenAIChat(new HttpClient(), h.Provider.BaseUrl);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        ChatCompletion expected = await bare.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello")]);
        ChatCompletion actual = await traced.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello")]);

        Assert.Equal(expected.Content[0].Text, actual.Content[0].Text);
        Assert.Equal(expected.Usage.TotalTokenCount, actual.Usage.TotalTokenCount);
        Assert.Equal(expected.Model, actual.Model);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("generation", (string?)e["log_type"]);
        Assert.Equal("openai", (string?)e["provider"]);
        Assert.Equal("openai.chat.completions", (string?)e["name"]);
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal("gpt-4o-mini-2024-07-18", (string?)e["response_model"]);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.False((bool)e["stream"]!);
        Assert.Equal("Hello! How can I assist you today?", (string?)e["completion_message"]!["content"]);
        Assert.Equal("hello", (string?)e["prompt_messages"]![1]!["content"]);
        Assert.Equal("system", (string?)e["prompt_messages"]![0]!["role"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.Equal("stop", (string?)e["finish_reason"]);
        Assert.NotNull(e["cost"]);
    }

    [Fact]
    public async Task CompleteChat_SynchronousSdkCall_IsInstrumentedAlike()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), OpenAIClient);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        // The OpenAI SDK's synchronous methods go through HttpClient.Send; run it off the test's context.
        ChatCompletion completion = await Task.Run(() => (ChatCompletion)traced.CompleteChat([new UserChatMessage("hello")]));

        Assert.Equal("Hello! How can I assist you today?", completion.Content[0].Text);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("gpt-4o-mini-2024-07-18", (string?)e["response_model"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
    }

    [Fact]
    public async Task CompleteChatStreamingAsync_ChunksReachCallerBeforeServerFinishes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = Fixtures.Text("openai-chat-stream.sse").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        async Task Stream(HttpContext context, RecordedRequest _)
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(lines[0] + "\n\n" + lines[1] + "\n\n");
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            foreach (var line in lines.Skip(2))
            {
                await context.Response.WriteAsync(line + "\n\n");
            }
        }

        await using var h = await ZespanTestHost.StartInstrumentedAsync(Stream, OpenAIClient);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);
        var text = new StringBuilder();
        var updates = 0;

        await foreach (var update in traced.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            if (++updates == 2)
            {
                // The server is paused: this update could only arrive if nothing buffered the stream.
                release.SetResult();
            }

            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.True(release.Task.IsCompleted);
        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["stream"]!);
        Assert.Equal(text.ToString(), (string?)e["completion_message"]!["content"]);
        Assert.NotNull(e["time_to_first_token"]);
        Assert.NotNull(e["total_tokens"]);
    }

    [Fact]
    public async Task MessagesCreate_AnthropicSdk_ResultUnchangedAndEventRecorded()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("anthropic-messages.json"),
            (s, _) => s.AddHttpClient("anthropic").AddZespanAnthropic());
        var bare = Anthropic(new HttpClient(), h.Provider.BaseUrl);
        var traced = Anthropic(h.Factory.CreateClient("anthropic"), h.Provider.BaseUrl);
        var request = new MessageCreateParams { Model = "claude-sonnet-4-5", MaxTokens = 100, Messages = [new UserMessageParam("Hello, Claude")] };

        var expected = await bare.Messages.Create(request);
        var actual = await traced.Messages.Create(request);

        Assert.Equal(expected.ID, actual.ID);
        Assert.Equal(expected.Usage.OutputTokens, actual.Usage.OutputTokens);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("anthropic", (string?)e["provider"]);
        Assert.Equal("claude-sonnet-4-5", (string?)e["model"]);
        Assert.Equal("claude-sonnet-4-5-20250929", (string?)e["response_model"]);
        Assert.Equal(2095, (int)e["prompt_tokens"]!);
        Assert.Equal(503, (int)e["completion_tokens"]!);
        Assert.Equal("Hi! My name is Claude.", (string?)e["completion_message"]!["content"]);
    }

    [Fact]
    public async Task MessagesCreateStreaming_AnthropicSdk_RecordsStreamedCompletion()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("anthropic-stream.sse", "text/event-stream"),
            (s, _) => s.AddHttpClient("anthropic").AddZespanAnthropic());
        var traced = Anthropic(h.Factory.CreateClient("anthropic"), h.Provider.BaseUrl);
        var text = new StringBuilder();

        await foreach (var update in traced.Messages.CreateStreaming(new MessageCreateParams { Model = "claude-sonnet-4-5", MaxTokens = 100, Messages = [new UserMessageParam("Hello")] }))
        {
            if (update.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece))
            {
                text.Append(piece.Text);
            }
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["stream"]!);
        Assert.Equal(text.ToString(), (string?)e["completion_message"]!["content"]);
        Assert.Equal("stop", (string?)e["finish_reason"]);
    }

    [Fact]
    public async Task InstrumentAllHttpClients_NonLlmHost_PassesThroughWithoutEvent()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            async (context, request) => await context.Response.WriteAsync("echo:" + request.BodyText),
            (s, _) => { s.AddHttpClient("plain"); s.AddZespan(_ => { }).InstrumentAllHttpClients(); });
        var client = h.Factory.CreateClient("plain");

        var response = await client.PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), new StringContent("{\"model\":\"gpt-4o\"}"));

        Assert.Equal("echo:{\"model\":\"gpt-4o\"}", await response.Content.ReadAsStringAsync());
        Assert.Empty(await h.FlushAsync());
    }

    [Fact]
    public async Task InstrumentAllHttpClients_LiteLlmHostFromOptions_IsDetected()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("openai-chat.json"),
            (s, _) => { s.AddHttpClient("any"); s.AddZespan(_ => { }).InstrumentAllHttpClients(); });
        h.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ZespanOptions>>().CurrentValue.LiteLlmHosts.Add(h.Provider.BaseUrl.Authority);
        var traced = OpenAIChat(h.Factory.CreateClient("any"), h.Provider.BaseUrl);

        await traced.CompleteChatAsync([new UserChatMessage("hello")]);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("litellm", (string?)e["provider"]);
    }

    [Fact]
    public async Task InstrumentAllHttpClients_ClientWithOwnHandler_GivesOneEvent()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("openai-chat.json"),
            (s, baseUrl) =>
            {
                s.AddZespan(o => o.LiteLlmHosts.Add(baseUrl.Authority)).InstrumentAllHttpClients();
                s.AddHttpClient("openai").AddZespanOpenAI(o => o.ProviderName = "acme");
            });
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        await traced.CompleteChatAsync([new UserChatMessage("hello")]);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("acme", (string?)e["provider"]);
    }

    [Fact]
    public async Task AddZespanOpenAI_UserRetryHandlerInside_RecordsOneEventPerLogicalCall()
    {
        var attempts = 0;
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            async (context, _) =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    context.Response.StatusCode = 503;
                    return;
                }

                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(Fixtures.Bytes("openai-chat.json"));
            },
            (s, _) => s.AddHttpClient("openai").AddHttpMessageHandler(() => new RetryOnceHandler()).AddZespanOpenAI());
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        await traced.CompleteChatAsync([new UserChatMessage("hello")]);

        Assert.Equal(2, attempts);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(200, (int)e["status_code"]!);
    }

    [Fact]
    public async Task ProviderError_IsRecordedNotThrownByZespan()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("anthropic-error.json", status: 529),
            (s, _) => s.AddHttpClient("anthropic").AddZespanAnthropic());
        var client = h.Factory.CreateClient("anthropic");

        var response = await client.PostAsync(new Uri(h.Provider.BaseUrl, "v1/messages"), new StringContent("""{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal(Fixtures.Text("anthropic-error.json"), await response.Content.ReadAsStringAsync());
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(529, (int)e["status_code"]!);
        Assert.Equal("error", (string?)e["finish_reason"]);
        Assert.NotNull(e["error"]!["type"]);
    }

    [Fact]
    public async Task BedrockSignedRequest_GoesOutByteIdentical()
    {
        var body = Fixtures.Bytes("bedrock-converse.request.json");
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("bedrock-converse.json"),
            (s, _) => { s.AddHttpClient("bare"); s.AddHttpClient("bedrock").AddZespanBedrock(); });

        HttpRequestMessage Signed()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Provider.BaseUrl, "model/amazon.nova-lite-v1%3A0/converse"))
            {
                Content = new ByteArrayContent(body),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("X-Amz-Date", "20261121T230000Z");
            request.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)));
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abc123");
            return request;
        }

        await h.Factory.CreateClient("bare").SendAsync(Signed());
        await h.Factory.CreateClient("bedrock").SendAsync(Signed());

        var requests = h.Provider.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].Path, requests[1].Path);
        foreach (var header in new[] { "Authorization", "X-Amz-Date", "X-Amz-Content-Sha256", "Content-Type", "Content-Length" })
        {
            Assert.Equal(requests[0].Header(header), requests[1].Header(header));
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("bedrock", (string?)e["provider"]);
        Assert.Equal("amazon.nova-lite-v1:0", (string?)e["model"]);
    }

    [Fact]
    public async Task ModelOverride_RewritesRequestAndKeepsRequestedModel()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("openai-chat.json"),
            OpenAIClient,
            o => o.ModelOverrides.Add(new ModelOverride { From = "gpt-4o", To = "gpt-4o-mini" }));
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl, model: "gpt-4o");

        await traced.CompleteChatAsync([new UserChatMessage("hello")]);

        Assert.Equal("gpt-4o-mini", (string?)Assert.Single(h.Provider.Requests).Json!["model"]);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal("gpt-4o", (string?)e["requested_model"]);
    }

    [Fact]
    public async Task StorePromptsOff_NoMessageTextIsCaptured()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), OpenAIClient, o => o.StorePrompts = false);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        await traced.CompleteChatAsync([new UserChatMessage("my secret plan")]);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Null(e["prompt_messages"]);
        Assert.Null(e["completion_message"]);
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.DoesNotContain("secret plan", e.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContextScopeAndParentSpan_AreOnTheGenerationEvent()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), OpenAIClient);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);
        var tracer = h.Services.GetRequiredService<IZespanTracer>();
        var context = h.Services.GetRequiredService<IZespanContextAccessor>();
        string traceId;
        string spanId;

        using (context.BeginScope(userId: "user-7", sessionId: "session-3", tags: new Dictionary<string, string> { ["team"] = "support" }))
        using (var span = tracer.StartSpan("support-flow"))
        {
            traceId = span.TraceId;
            spanId = span.SpanId;
            await traced.CompleteChatAsync([new UserChatMessage("hello")]);
        }

        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.Equal(traceId, (string?)generation["trace_id"]);
        Assert.Equal(spanId, (string?)generation["parent_span_id"]);
        Assert.Equal("user-7", (string?)generation["customer_identifier"]);
        Assert.Equal("session-3", (string?)generation["thread_identifier"]);
        Assert.Equal("support", (string?)generation["tags"]!["team"]);
    }

    private sealed class RetryOnceHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode == 503)
            {
                response.Dispose();
                response = await base.SendAsync(request, cancellationToken);
            }

            return response;
        }
    }

    [Fact]
    public async Task CompleteChatStreamingAsync_ReadToTheEnd_NoCaptureOutcome()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat-stream.sse", "text/event-stream"), OpenAIClient);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);
        var updates = 0;

        // The SDK stops at "data: [DONE]" and disposes the body without reading the connection to its end.
        await foreach (var update in traced.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            updates++;
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.True(updates > 2);
        Assert.Equal("stop", (string?)e["finish_reason"]);
        Assert.NotNull(e["completion_tokens"]);
        Assert.Null(e["metadata"]?["capture_outcome"]);
    }

    [Fact]
    public async Task CompleteChatStreamingAsync_CallerStopsAfterTwoUpdates_DisposedEarly()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat-stream.sse", "text/event-stream"), OpenAIClient);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);
        var updates = 0;

        await foreach (var update in traced.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            if (++updates == 2)
            {
                break;
            }
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("disposed_early", (string?)e["metadata"]?["capture_outcome"]);
    }
}
