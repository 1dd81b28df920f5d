using System.Text;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>Every streaming fixture rebuilt into the expected event, read in various splits.</summary>
public class ProviderStreamingTests
{
    private const string OpenAIChat = "https://api.openai.com/v1/chat/completions";
    private const string Sse = "text/event-stream";
    private const string EventStream = "application/vnd.amazon.eventstream";

    public static TheoryData<int> ReadSizes => new() { 0, 1, 7, 64 };

    private static ZespanEvent Stream(ZespanProvider provider, string url, string? request, string response, string contentType, int readSize)
    {
        var call = FixtureCall.Of(provider, url, request, response, contentType);
        call.ReadSize = readSize;
        var evt = call.Run(out var passed);
        Assert.Equal(Fixtures.Bytes(response), passed);
        Assert.True(evt.Stream);
        Assert.Equal(0.25, evt.TimeToFirstToken!.Value, 6);
        return evt;
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_OpenAIChatStream_RebuildsTextAndFinalUsage(int readSize)
    {
        var evt = Stream(ZespanProvider.OpenAI, OpenAIChat, "openai-chat-stream.request.json", "openai-chat-stream.sse", Sse, readSize);

        Assert.Equal("gpt-4o-mini", evt.Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hello! How can I assist you today?");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 8, 9, 17);
        Assert.Equal(123, (int)evt.Metadata!["usage"]!["prompt_tokens_details"]!["audio_tokens"]!);

        // 5 of the 8 input tokens are cache reads ($0.075 instead of $0.15).
        EventAssert.Cost((3 * 0.15 + 5 * 0.075 + 9 * 0.60) / 1e6, evt.Cost);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_OpenAIToolCallStream_JoinsArgumentDeltas(int readSize)
    {
        var evt = Stream(ZespanProvider.OpenAI, OpenAIChat, null, "openai-chat-toolcall-stream.sse", Sse, readSize);

        Assert.Equal("tool_calls", evt.FinishReason);
        Assert.Null(evt.CompletionMessage!.Content);
        var call = Assert.Single(evt.CompletionMessage.ToolCalls!);
        Assert.Equal("call_F9ZaqPWo69u0urxAhVt8meDW", call.Id);
        Assert.Equal("GetPersonAge", call.Name);
        Assert.Equal("""{"personName":"Alice"}""", call.Arguments);
        EventAssert.Tokens(evt, 61, 16, 77);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_OpenAIResponsesStream_UsesCompletedResponseAndLeavesReasoningOut(int readSize)
    {
        var evt = Stream(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", null, "openai-responses-stream.sse", Sse, readSize);

        Assert.Equal("openai.responses", evt.Name);
        Assert.Equal("o4-mini-2025-04-16", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "The solution is 42.");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 10, 25, 35);
        EventAssert.Cost((10 * 1.10 + 25 * 4.40) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_OpenAIResponsesStreamCutBeforeCompleted_KeepsDeltas()
    {
        var full = Fixtures.Text("openai-responses-stream.sse");
        var cut = full[..full.IndexOf("event: response.completed", StringComparison.Ordinal)];
        var call = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses") { Response = Encoding.UTF8.GetBytes(cut), ContentType = Sse };
        var evt = call.Run();

        EventAssert.Message(evt.CompletionMessage, "assistant", "The solution is 42.");
        Assert.Null(evt.FinishReason);
        Assert.Equal("o4-mini-2025-04-16", evt.ResponseModel);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_AnthropicStream_MergesStartAndDeltaUsage(int readSize)
    {
        var evt = Stream(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-stream.sse", Sse, readSize);

        Assert.Equal("claude-sonnet-4-5-20250929", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hello!");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 25, 15, 40);
        Assert.Equal(15, (int)evt.Metadata!["usage"]!["output_tokens"]!);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_AnthropicToolUseStream_RebuildsTextAndToolInput(int readSize)
    {
        var evt = Stream(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", null, "anthropic-stream-tooluse.sse", Sse, readSize);

        Assert.Equal("claude-opus-4-20250514", evt.ResponseModel);
        Assert.Equal("Okay, let's check the weather for San Francisco, CA:", evt.CompletionMessage!.Content);
        var call = Assert.Single(evt.CompletionMessage.ToolCalls!);
        Assert.Equal("toolu_01T1x1fJ34qAmk2tNTrN7Up6", call.Id);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("""{"location": "San Francisco, CA", "unit": "fahrenheit"}""", call.Arguments);
        Assert.Equal("tool_calls", evt.FinishReason);
        EventAssert.Tokens(evt, 472, 89, 561);
        EventAssert.Cost((472 * 15.0 + 89 * 75.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_AnthropicStreamErrorEvent_RecordsError()
    {
        var body = """
            event: message_start
            data: {"type":"message_start","message":{"model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":1}}}

            event: error
            data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}


            """;
        var evt = new FixtureCall(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages") { Response = Encoding.UTF8.GetBytes(body), ContentType = Sse }.Run();

        Assert.Equal("overloaded_error", evt.Error!.Type);
        Assert.Equal("Overloaded", evt.Error.Message);
        Assert.Equal("error", evt.FinishReason);
        Assert.Equal(200, evt.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_GeminiSseWithCrlf_RebuildsTextAndLastUsage(int readSize)
    {
        Assert.Contains("\r\n\r\n", Fixtures.Text("gemini-stream.sse"), StringComparison.Ordinal);
        var evt = Stream(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", "gemini-generate.request.json", "gemini-stream.sse", Sse, readSize);

        Assert.Equal("gemini-2.0-flash", evt.Model);
        EventAssert.Message(evt.CompletionMessage, "assistant", "The capital of France is **Paris**.\n");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 7, 9, 16);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_GeminiThinkingStream_CountsThoughtsAndFindsFunctionCall(int readSize)
    {
        var evt = Stream(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", null, "gemini-stream-thinking-functioncall.sse", Sse, readSize);

        Assert.Equal("tool_calls", evt.FinishReason);
        Assert.Null(evt.CompletionMessage!.Content);
        EventAssert.ToolCall(Assert.Single(evt.CompletionMessage.ToolCalls!), "weather", "weather", """{"location":"Florence, Italy"}""");
        EventAssert.Tokens(evt, 54, 14 + 62, 130);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_GeminiJsonArrayStream_ReadsEachElement(int readSize)
    {
        // streamGenerateContent without alt=sse: the same chunks as one streamed JSON array.
        var chunks = Fixtures.Text("gemini-stream.sse")
            .Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..]);
        var array = "[" + string.Join(",\r\n", chunks) + "]";
        var call = new FixtureCall(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent")
        {
            Response = Encoding.UTF8.GetBytes(array),
            ContentType = "application/json",
            ReadSize = readSize,
        };
        var evt = call.Run();

        Assert.True(evt.Stream);
        EventAssert.Message(evt.CompletionMessage, "assistant", "The capital of France is **Paris**.\n");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 7, 9, 16);
        Assert.NotNull(evt.TimeToFirstToken);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_BedrockConverseStream_DecodesEventStream(int readSize)
    {
        var evt = Stream(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream", "bedrock-converse.request.json", "bedrock-converse-stream.bin", EventStream, readSize);

        Assert.Equal("bedrock.converse", evt.Name);
        Assert.Equal("amazon.nova-lite-v1:0", evt.Model);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hello! How can I help?");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 4, 8, 12);
        Assert.Equal(302, (int)evt.Metadata!["provider_latency_ms"]!);
        Assert.False(evt.Metadata.ContainsKey("stream_error"));
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_BedrockConverseToolUseStream_JoinsToolInput(int readSize)
    {
        var evt = Stream(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", null, "bedrock-converse-stream-tooluse.bin", EventStream, readSize);

        Assert.Equal("Let me look that up.", evt.CompletionMessage!.Content);
        var call = Assert.Single(evt.CompletionMessage.ToolCalls!);
        Assert.Equal("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", call.Id);
        Assert.Equal("top_song", call.Name);
        Assert.Equal("""{"sign": "WZPZ"}""", call.Arguments);
        Assert.Equal("tool_calls", evt.FinishReason);
        EventAssert.Tokens(evt, 412, 58, 470);
        EventAssert.Cost((412 * 0.25 + 58 * 1.25) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_BedrockStreamException_RecordsThrottlingError()
    {
        var evt = Stream(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1:0/converse-stream", null, "bedrock-converse-stream-exception.bin", EventStream, 0);

        Assert.Equal("throttlingException", evt.Error!.Type);
        Assert.Equal("Too many requests, please wait before trying again.", evt.Error.Message);
        Assert.Equal("error", evt.FinishReason);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_BedrockInvokeStream_DecodesAnthropicChunks(int readSize)
    {
        var evt = Stream(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke-with-response-stream", null, "bedrock-invoke-stream.bin", EventStream, readSize);

        Assert.Equal("bedrock.invoke_model", evt.Name);
        Assert.Equal("us.anthropic.claude-haiku-4-5-20251001-v1:0", evt.Model);
        Assert.Equal("claude-haiku-4-5-20251001", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Olá! 👋\n\nHow can I help you today?");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 16, 18, 34);
    }

    [Fact]
    public void Fill_BedrockStreamWithBadCrc_RecordsProblemAndKeepsOtherMessages()
    {
        var bytes = Fixtures.Bytes("bedrock-converse-stream.bin");

        // Flip one payload byte of the second message ("Hello" delta): its message CRC no longer matches.
        var secondStart = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var corrupted = (byte[])bytes.Clone();
        corrupted[secondStart + 100] ^= 0x01;
        var call = new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1:0/converse-stream") { Response = corrupted, ContentType = EventStream };
        var evt = call.Run(out var passed);

        Assert.Equal(corrupted, passed); // the caller still gets the bytes as sent
        Assert.Equal("! How can I help?", evt.CompletionMessage!.Content);
        Assert.Equal(1, (int)evt.Metadata!["stream_crc_errors"]!);
        Assert.Contains("message CRC mismatch", (string)evt.Metadata["stream_error"]!, StringComparison.Ordinal);
        EventAssert.Tokens(evt, 4, 8, 12);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_MistralStream_ReadsUsageOnFinishChunk(int readSize)
    {
        var evt = Stream(ZespanProvider.Mistral, "https://api.mistral.ai/v1/chat/completions", null, "mistral-chat-stream.sse", Sse, readSize);

        Assert.Equal("mistral-small-latest", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "**Concise** and **expressive**.");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 577, 10, 587);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_GroqStream_ReadsUsage(int readSize)
    {
        var evt = Stream(ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", "groq-stream.request.json", "groq-stream.sse", Sse, readSize);

        Assert.Equal("moonshotai/kimi-k2-instruct-0905", evt.Model);
        Assert.Collection(
            evt.PromptMessages!,
            m => EventAssert.Message(m, "system", "You are a helpful assistant"),
            m => EventAssert.Message(m, "user", "Say hi in Portuguese"));
        EventAssert.Message(evt.CompletionMessage, "assistant", "Olá!");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 20, 4, 24);
    }

    [Fact]
    public void Fill_GroqStreamWithOnlyXGroqUsage_FallsBackToIt()
    {
        var lines = Fixtures.Text("groq-stream.sse").Split("\n\n").Where(e => !e.Contains("\"choices\":[]", StringComparison.Ordinal));
        var body = string.Join("\n\n", lines).Replace("}},\"usage\":{\"queue_time\"", "}},\"ignored\":{\"queue_time\"", StringComparison.Ordinal);
        Assert.Contains("\"x_groq\":{\"id\":\"req_01k88s34vjesy920ksmza5dh2b\",\"usage\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("}},\"usage\"", body, StringComparison.Ordinal);
        var evt = new FixtureCall(ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions") { Response = Encoding.UTF8.GetBytes(body), ContentType = Sse }.Run();

        EventAssert.Tokens(evt, 20, 4, 24);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Fill_OpenRouterStreamWithComment_UsesCostOfChunkWithChoices(int readSize)
    {
        Assert.StartsWith(": OPENROUTER PROCESSING", Fixtures.Text("openrouter-stream.sse"), StringComparison.Ordinal);
        var evt = Stream(ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", "openrouter-chat.request.json", "openrouter-stream.sse", Sse, readSize);

        Assert.Equal("openai/gpt-5.4-nano-20260317", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Olá! 😊");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 19, 7, 26);
        Assert.Equal(0.00001255, evt.Cost);
    }

    [Fact]
    public void Fill_StreamLongerThanCaptureLimit_ParsesIncrementallyAndKeepsFinalUsage()
    {
        // 2000 chunks of OpenAI SSE (~300 KB) with a 4 KiB limit: the end, where usage is, must not be lost.
        var builder = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            builder.Append("data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n");
        }

        builder.Append("data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n");
        builder.Append("data: {\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2000,\"total_tokens\":2003}}\n\n");
        builder.Append("data: [DONE]\n\n");
        var call = new FixtureCall(ZespanProvider.OpenAI, OpenAIChat) { Response = Encoding.UTF8.GetBytes(builder.ToString()), ContentType = Sse, MaxEventBytes = 4096, ReadSize = 1000 };
        var evt = call.Run();

        Assert.Equal("length", evt.FinishReason);
        EventAssert.Tokens(evt, 3, 2000, 2003);
        Assert.True(evt.Truncated);
        Assert.Equal(4096, Encoding.UTF8.GetByteCount(evt.CompletionMessage!.Content!));
        Assert.StartsWith("word word ", evt.CompletionMessage.Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Fill_StreamDisposedEarly_RecordsWhatWasSeen()
    {
        var bytes = Fixtures.Bytes("anthropic-stream.sse");
        var endpoint = LlmEndpoint.Detect(ZespanProvider.Anthropic, new Uri("https://api.anthropic.com/v1/messages"));
        var context = new ParseContext(true, 262_144);
        var sink = new StreamCaptureSink(ProviderStreamParser.Create(endpoint, Sse, context)!, 262_144);
        var time = new Zespan.Testing.ManualTimeProvider();
        var observer = new RecordingObserver();
        var text = Encoding.UTF8.GetString(bytes);
        var half = Encoding.UTF8.GetByteCount(text[..text.IndexOf("event: content_block_stop", StringComparison.Ordinal)]);
        using (var tee = new CapturingStream(new MemoryStream(bytes), sink, time, observer))
        {
            var buffer = new byte[half];
            var read = 0;
            while (read < half)
            {
                read += tee.Read(buffer, read, half - read);
            }
        }

        var completion = Assert.Single(observer.Completions);
        Assert.Equal(CaptureOutcome.DisposedEarly, completion.Outcome);
        using var exchange = new ProviderExchange { Endpoint = endpoint, Context = context, Stream = sink, StatusCode = 200, Outcome = completion.Outcome, TimeProvider = time };
        var evt = new ZespanEvent();
        ProviderEventBuilder.Fill(evt, exchange, null);

        EventAssert.Message(evt.CompletionMessage, "assistant", "Hello!");
        Assert.Null(evt.FinishReason);
        Assert.Equal(25, evt.PromptTokens);
        Assert.Equal("disposed_early", (string)evt.Metadata!["capture_outcome"]!);
    }
}
