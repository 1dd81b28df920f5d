using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Zespan.Extensions.AI.Tests;

[Collection(ActivityListenerCollection.Name)]
public class ZespanChatClientTests
{
    private static List<ChatMessage> Conversation() =>
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, "hello"),
    ];

    [Fact]
    public async Task GetResponseAsync_FakeClient_RecordsGenerationEvent()
    {
        await using var h = await ZespanHarness.StartAsync();
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner);

        var response = await chat.GetResponseAsync(Conversation());

        Assert.Same(inner.Response, response);
        var e = await h.SingleGenerationAsync();
        Assert.Equal("generation", (string?)e["log_type"]);
        Assert.Equal("openai.chat", (string?)e["name"]);
        Assert.Equal("openai", (string?)e["provider"]);
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal("gpt-4o-mini-2024-07-18", (string?)e["response_model"]);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.False((bool)e["stream"]!);
        Assert.Null(e["time_to_first_token"]);
        Assert.Null(e["error"]);
        var prompt = e["prompt_messages"]!.AsArray();
        Assert.Equal(2, prompt.Count);
        Assert.Equal("system", (string?)prompt[0]!["role"]);
        Assert.Equal("Be brief.", (string?)prompt[0]!["content"]);
        Assert.Equal("user", (string?)prompt[1]!["role"]);
        Assert.Equal("hello", (string?)prompt[1]!["content"]);
        Assert.Equal("assistant", (string?)e["completion_message"]!["role"]);
        Assert.Equal("Hello there!", (string?)e["completion_message"]!["content"]);
        Assert.Equal("stop", (string?)e["finish_reason"]);
        Assert.Equal(12, (int)e["prompt_tokens"]!);
        Assert.Equal(5, (int)e["completion_tokens"]!);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.Equal(4, (int)e["metadata"]!["usage"]!["cached_input_tokens"]!);
        Assert.Equal(4, (int)e["prompt_tokens_details"]!["cached_tokens"]!);

        // gpt-4o-mini list price: 0.15 / 0.60 USD per million tokens, 0.075 for the 4 cached input tokens.
        Assert.Equal((8 * 0.15 + 4 * 0.075 + 5 * 0.60) / 1_000_000, (double)e["cost"]!, 12);
        Assert.Equal("estimated", (string?)e["cost_status"]);
    }

    [Fact]
    public async Task GetResponseAsync_UsageDetails_MapsCachedReasoningAndAudioIntoTheTokenModel()
    {
        await using var h = await ZespanHarness.StartAsync();
        var inner = new FakeChatClient("openai", "gpt-5.6-terra");
        inner.Response = new(new ChatMessage(ChatRole.Assistant, "ok"))
        {
            ModelId = "gpt-5.6-terra-2026-07-09",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = 2456,
                OutputTokenCount = 338,
                TotalTokenCount = 2794,
                CachedInputTokenCount = 2048,
                ReasoningTokenCount = 256,
                AdditionalCounts = new() { ["InputTokenDetails.AudioTokenCount"] = 3, ["OutputTokenDetails.AudioTokenCount"] = 4 },
            },
        };

        await h.Wrap(inner).GetResponseAsync(Conversation());

        var e = await h.SingleGenerationAsync();
        Assert.Equal(2456, (int)e["prompt_tokens"]!);
        Assert.Equal(338, (int)e["completion_tokens"]!);
        Assert.Equal(2048, (int)e["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(3, (int)e["prompt_tokens_details"]!["audio_tokens"]!);
        Assert.Equal(256, (int)e["completion_tokens_details"]!["reasoning_tokens"]!);
        Assert.Equal(4, (int)e["completion_tokens_details"]!["audio_tokens"]!);

        // gpt-5.6-terra: 408 fresh * $2 + 2048 cached * $0.20 + 338 output * $12 (the same call as the OpenAI wire fixture).
        Assert.Equal(5281.6e-6, (double)e["cost"]!, 12);
        Assert.Equal("estimated", (string?)e["cost_status"]);
    }

    [Fact]
    public async Task GetResponseAsync_ToolCallsAndResults_RecordsToolMessages()
    {
        await using var h = await ZespanHarness.StartAsync();
        var inner = new FakeChatClient
        {
            Response = new ChatResponse(new ChatMessage(ChatRole.Assistant,
            [
                new TextContent("Let me check."),
                new FunctionCallContent("call_2", "get_time", new Dictionary<string, object?> { ["zone"] = "UTC" }),
            ]))
            {
                FinishReason = ChatFinishReason.ToolCalls,
            },
        };
        var chat = h.Wrap(inner);
        List<ChatMessage> messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 2 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "sunny, 21C")]),
        ];

        await chat.GetResponseAsync(messages);

        var e = await h.SingleGenerationAsync();
        var prompt = e["prompt_messages"]!.AsArray();
        Assert.Equal(3, prompt.Count);
        var call = prompt[1]!["tool_calls"]![0]!;
        Assert.Equal("assistant", (string?)prompt[1]!["role"]);
        Assert.Equal("call_1", (string?)call["id"]);
        Assert.Equal("get_weather", (string?)call["name"]);
        var arguments = JsonNode.Parse((string)call["arguments"]!)!;
        Assert.Equal("Paris", (string?)arguments["city"]);
        Assert.Equal(2, (int)arguments["days"]!);
        Assert.Equal("tool", (string?)prompt[2]!["role"]);
        Assert.Equal("call_1", (string?)prompt[2]!["tool_call_id"]);
        Assert.Equal("sunny, 21C", (string?)prompt[2]!["content"]);
        var completion = e["completion_message"]!;
        Assert.Equal("Let me check.", (string?)completion["content"]);
        Assert.Equal("get_time", (string?)completion["tool_calls"]![0]!["name"]);
        Assert.Equal("call_2", (string?)completion["tool_calls"]![0]!["id"]);
        Assert.Equal("tool_calls", (string?)e["finish_reason"]);
    }

    [Fact]
    public async Task GetResponseAsync_ChatOptionsModel_WinsOverDefaultModel()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient(providerName: "anthropic", defaultModelId: "claude-haiku-4-5"));

        await chat.GetResponseAsync(Conversation(), new ChatOptions { ModelId = "claude-sonnet-4-5" });

        var e = await h.SingleGenerationAsync();
        Assert.Equal("claude-sonnet-4-5", (string?)e["model"]);
        Assert.Equal("anthropic", (string?)e["provider"]);
        Assert.Equal("anthropic.chat", (string?)e["name"]);
    }

    [Theory]
    [InlineData("azure.ai.openai", "openai")]
    [InlineData("gcp.gemini", "google")]
    [InlineData("aws.bedrock", "bedrock")]
    [InlineData("mistral_ai", "mistral")]
    [InlineData("Ollama", "ollama")]
    public async Task GetResponseAsync_MetadataProviderName_MappedToZespanName(string metadataName, string expected)
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient(providerName: metadataName));

        await chat.GetResponseAsync(Conversation());

        Assert.Equal(expected, (string?)(await h.SingleGenerationAsync())["provider"]);
    }

    [Fact]
    public async Task GetResponseAsync_ProviderNameOption_LabelsEvent()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient(providerName: null), o => o.ProviderName = "together");

        await chat.GetResponseAsync(Conversation());

        var e = await h.SingleGenerationAsync();
        Assert.Equal("together", (string?)e["provider"]);
        Assert.Equal("together.chat", (string?)e["name"]);
    }

    [Fact]
    public async Task GetResponseAsync_InnerThrows_RecordsErrorAndRethrowsSameException()
    {
        await using var h = await ZespanHarness.StartAsync();
        var failure = new TimeoutException("provider too slow");
        var chat = h.Wrap(new FakeChatClient { Throw = failure });

        var thrown = await Assert.ThrowsAsync<TimeoutException>(() => chat.GetResponseAsync(Conversation()));

        Assert.Same(failure, thrown);
        var e = await h.SingleGenerationAsync();
        Assert.Equal(500, (int)e["status_code"]!);
        Assert.Equal("System.TimeoutException", (string?)e["error"]!["type"]);
        Assert.Equal("provider too slow", (string?)e["error"]!["message"]);
        Assert.Equal("error", (string?)e["finish_reason"]);
        Assert.Null(e["completion_message"]);
    }

    [Fact]
    public async Task GetResponseAsync_StorePromptsOff_RecordsNoText()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.StorePrompts = false);
        var chat = h.Wrap(new FakeChatClient());

        await chat.GetResponseAsync(Conversation());

        var e = await h.SingleGenerationAsync();
        Assert.Null(e["prompt_messages"]);
        Assert.Null(e["completion_message"]);
        Assert.DoesNotContain("hello", e.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Hello there", e.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
    }

    [Fact]
    public async Task GetResponseAsync_InContextScope_CarriesUserSessionAndTags()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient());

        using (h.Context.BeginScope(userId: "user-7", sessionId: "session-3", tags: new Dictionary<string, string> { ["tenant"] = "acme" }))
        {
            await chat.GetResponseAsync(Conversation());
        }

        var e = await h.SingleGenerationAsync();
        Assert.Equal("user-7", (string?)e["customer_identifier"]);
        Assert.Equal("session-3", (string?)e["thread_identifier"]);
        Assert.Equal("acme", (string?)e["tags"]!["tenant"]);
    }

    [Fact]
    public async Task GetResponseAsync_InsideSpan_IsChildOfSpan()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient());
        string traceId;
        string spanId;

        using (var span = h.Tracer.StartSpan("rag-pipeline"))
        {
            traceId = span.TraceId;
            spanId = span.SpanId;
            await chat.GetResponseAsync(Conversation());
        }

        var e = await h.SingleGenerationAsync();
        Assert.Equal(traceId, (string?)e["trace_id"]);
        Assert.Equal(spanId, (string?)e["parent_span_id"]);
        Assert.NotEqual(spanId, (string?)e["span_id"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_FakeClient_PassesUpdatesAndRecordsStreamedEvent()
    {
        await using var h = await ZespanHarness.StartAsync();
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner);

        var received = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(Conversation()))
        {
            received.Add(update);
        }

        Assert.Equal(inner.Updates, received); // the same instances, in order, nothing added or held
        var e = await h.SingleGenerationAsync();
        Assert.True((bool)e["stream"]!);
        Assert.Equal("Hello!", (string?)e["completion_message"]!["content"]);
        Assert.Equal("stop", (string?)e["finish_reason"]);
        Assert.Equal("gpt-4o-mini-2024-07-18", (string?)e["response_model"]);
        Assert.Equal(9, (int)e["prompt_tokens"]!);
        Assert.Equal(3, (int)e["completion_tokens"]!);
        Assert.Equal(12, (int)e["total_tokens"]!);
        Assert.NotNull(e["time_to_first_token"]);
        Assert.True((double)e["time_to_first_token"]! >= 0);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.Null(e["metadata"]?["capture_outcome"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_NoPostCheck_YieldsEachUpdateBeforeTheNextIsProduced()
    {
        await using var h = await ZespanHarness.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new FakeChatClient { BeforeUpdate = i => i == 1 ? gate.Task : Task.CompletedTask };
        var chat = h.Wrap(inner);

        await using var updates = chat.GetStreamingResponseAsync(Conversation()).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("Hel", updates.Current.Text);
        Assert.Equal(1, inner.UpdatesSent); // the second update is not produced yet: nothing is buffered
        gate.SetResult();
        while (await updates.MoveNextAsync())
        {
        }

        Assert.Equal(4, inner.UpdatesSent);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_DisposedEarly_RecordsWhatWasSeen()
    {
        await using var h = await ZespanHarness.StartAsync();
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner);

        var count = 0;
        await foreach (var update in chat.GetStreamingResponseAsync(Conversation()))
        {
            if (++count == 2)
            {
                break;
            }
        }

        Assert.True(inner.StreamDisposed);
        var e = await h.SingleGenerationAsync();
        Assert.Equal("Hello", (string?)e["completion_message"]!["content"]);
        Assert.Equal("disposed_early", (string?)e["metadata"]!["capture_outcome"]);
        Assert.Null(e["error"]);
        Assert.NotNull(e["time_to_first_token"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Canceled_RecordsCancellationAndRethrows()
    {
        await using var h = await ZespanHarness.StartAsync();
        using var cts = new CancellationTokenSource();
        var inner = new FakeChatClient { BeforeUpdate = _ => Task.Delay(Timeout.Infinite) };
        var chat = h.Wrap(inner);

        await using var updates = chat.GetStreamingResponseAsync(Conversation(), cancellationToken: cts.Token).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        var next = updates.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        await updates.DisposeAsync();

        var e = await h.SingleGenerationAsync();
        Assert.Equal("Hel", (string?)e["completion_message"]!["content"]);
        Assert.Equal("canceled", (string?)e["metadata"]!["capture_outcome"]);
        Assert.Contains("Canceled", (string?)e["error"]!["type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_FailsMidStream_RecordsErrorAndRethrowsSameException()
    {
        await using var h = await ZespanHarness.StartAsync();
        var failure = new InvalidOperationException("stream broke");
        var chat = h.Wrap(new FakeChatClient { ThrowDuringStream = (2, failure) });

        var seen = new List<string>();
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync(Conversation()))
            {
                seen.Add(update.Text);
            }
        });

        Assert.Same(failure, thrown);
        Assert.Equal(["Hel", "lo"], seen);
        var e = await h.SingleGenerationAsync();
        Assert.Equal(500, (int)e["status_code"]!);
        Assert.Equal("System.InvalidOperationException", (string?)e["error"]!["type"]);
        Assert.Equal("Hello", (string?)e["completion_message"]!["content"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StorePromptsOff_RecordsNoTextButUsage()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.StorePrompts = false);
        var chat = h.Wrap(new FakeChatClient());

        await foreach (var _ in chat.GetStreamingResponseAsync(Conversation()))
        {
        }

        var e = await h.SingleGenerationAsync();
        Assert.Null(e["prompt_messages"]);
        Assert.Null(e["completion_message"]);
        Assert.Equal(12, (int)e["total_tokens"]!);
        Assert.NotNull(e["time_to_first_token"]);
    }

    [Fact]
    public void WithZespan_AddZespanNeverCalled_ThrowsClearInvalidOperationException()
    {
        using var services = new ServiceCollection().AddLogging().BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => new FakeChatClient().WithZespan(services));

        Assert.Contains("AddZespan", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithZespan_ZespanDisabled_PassesThroughWithoutEventsOrChecks()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.Enabled = false);
        var inner = new FakeChatClient();
        var chat = h.Wrap(inner, o => o.Guardrails = new GuardrailOptions());

        var response = await chat.GetResponseAsync(Conversation());
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(Conversation()))
        {
            updates.Add(update);
        }

        Assert.Same(inner.Response, response);
        Assert.Equal(inner.Updates, updates);
        await h.Services.GetRequiredService<IZespanClient>().FlushAsync();
        Assert.Empty(h.Backend.Events);
        Assert.Empty(h.Backend.Requests);
    }

    [Fact]
    public async Task WithZespan_WrappedTwice_RecordsOneEvent()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(h.Wrap(new FakeChatClient()));

        await chat.GetResponseAsync(Conversation());
        await foreach (var _ in chat.GetStreamingResponseAsync(Conversation()))
        {
        }

        var events = await h.FlushAsync();
        Assert.Equal(2, events.Count);
        Assert.Single(events, e => (bool)e["stream"]!);
    }

    [Fact]
    public async Task GetService_Metadata_ComesFromInnerClient()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient(providerName: "anthropic", defaultModelId: "claude-haiku-4-5"));

        var metadata = chat.GetService<ChatClientMetadata>();

        Assert.Equal("anthropic", metadata?.ProviderName);
        Assert.IsType<ZespanChatClient>(chat.GetService<ZespanChatClient>());
    }

    [Fact]
    public async Task GetResponseAsync_ActivityListener_ActivityCarriesGenAiAttributesAndEventSpanId()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient());
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Zespan",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using (var span = h.Tracer.StartSpan("with-activity"))
        {
            await chat.GetResponseAsync(Conversation());
        }

        var e = await h.SingleGenerationAsync();
        Activity activity;
        lock (stopped)
        {
            activity = Assert.Single(stopped, a => a.SpanId.ToHexString() == (string?)e["span_id"]);
        }

        Assert.Equal("chat gpt-4o-mini", activity.DisplayName);
        Assert.Equal(ActivityKind.Client, activity.Kind);
        Assert.Equal((string?)e["trace_id"], activity.TraceId.ToHexString());
        Assert.Equal("openai", activity.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(12, activity.GetTagItem("gen_ai.usage.input_tokens"));
    }

    [Fact]
    public async Task GetResponseAsync_ArgumentsHoldJsonElement_RecordedAsJson()
    {
        await using var h = await ZespanHarness.StartAsync();
        var chat = h.Wrap(new FakeChatClient());
        var element = JsonDocument.Parse("""{"nested":[1,2]}""").RootElement;

        await chat.GetResponseAsync([new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c", "f", new Dictionary<string, object?> { ["json"] = element })])]);

        var e = await h.SingleGenerationAsync();
        var arguments = JsonNode.Parse((string)e["prompt_messages"]![0]!["tool_calls"]![0]!["arguments"]!)!;
        Assert.Equal(2, (int)arguments["json"]!["nested"]![1]!);
    }
}
