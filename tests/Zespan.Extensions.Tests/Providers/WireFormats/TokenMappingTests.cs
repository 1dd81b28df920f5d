using System.Buffers.Binary;
using System.Text;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Pricing.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// The one token model, provider by provider, from real response shapes (tests/Fixtures/providers, provenance in its
/// README): every token field, the breakdown, and the cost to the cent-fraction against hand-computed expectations
/// (prices of the built-in table, USD per million tokens, written out in each case).
/// </summary>
public class TokenMappingTests
{
    private const string Json = "application/json";
    private const string Sse = "text/event-stream";
    private const string EventStream = "application/vnd.amazon.eventstream";

    /// <summary>What one call must give.</summary>
    /// <param name="Prompt">prompt_tokens (all input, cache reads and writes included).</param>
    /// <param name="Completion">completion_tokens (all output, reasoning included).</param>
    /// <param name="Total">total_tokens.</param>
    /// <param name="Cached">prompt_tokens_details.cached_tokens.</param>
    /// <param name="CacheCreation">prompt_tokens_details.cache_creation_tokens.</param>
    /// <param name="AudioIn">prompt_tokens_details.audio_tokens.</param>
    /// <param name="Reasoning">completion_tokens_details.reasoning_tokens.</param>
    /// <param name="AudioOut">completion_tokens_details.audio_tokens.</param>
    /// <param name="Cost">cost, USD.</param>
    /// <param name="Status">cost_status.</param>
    public sealed record Expected(int? Prompt, int? Completion, int? Total, int? Cached, int? CacheCreation, int? AudioIn, int? Reasoning, int? AudioOut, double? Cost, string Status);

    private sealed record Case(ZespanProvider Provider, string Url, string? Request, string Response, string ContentType, Expected Expected, double? LiteLlmCost = null);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // OpenAI chat, cached input and reasoning. gpt-5.6-terra: $2 input, $0.20 cached, $12 output.
        // 2456 input of which 2048 cached: 408 * 2 + 2048 * 0.20 + 338 * 12 = 816 + 409.6 + 4056 = 5281.6 per million.
        ["openai-chat-cached-reasoning"] = new(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions", null, "openai-chat-cached-reasoning.json", Json,
            new(2456, 338, 2794, 2048, null, 0, 256, 0, 5281.6e-6, "estimated")),

        // The fixture's edited cached_tokens (13) exceeds prompt_tokens (8): all 8 are cache reads. gpt-4o-mini: $0.15, $0.075 cached, $0.60.
        ["openai-chat"] = new(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions", "openai-chat.request.json", "openai-chat.json", Json,
            new(8, 9, 17, 13, null, null, 90, null, ((8 * 0.075) + (9 * 0.60)) / 1e6, "estimated")),

        // Streamed, usage on the last chunk: 5 cached of 8, audio both ways. 3 * 0.15 + 5 * 0.075 + 9 * 0.60.
        ["openai-chat-stream"] = new(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions", "openai-chat-stream.request.json", "openai-chat-stream.sse", Sse,
            new(8, 9, 17, 5, null, 123, 90, 456, ((3 * 0.15) + (5 * 0.075) + (9 * 0.60)) / 1e6, "estimated")),

        // OpenAI Responses: input_tokens_details / output_tokens_details. gpt-5.6-luna: $0.20, $0.02 cached, $1.20.
        // 1024 * 0.20 + 4096 * 0.02 + 900 * 1.20 = 204.8 + 81.92 + 1080 = 1366.72.
        ["openai-responses-cached-reasoning"] = new(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", null, "openai-responses-cached-reasoning.json", Json,
            new(5120, 900, 6020, 4096, null, null, 768, null, 1366.72e-6, "estimated")),

        // Zero cache and reasoning reported: zeros, not nulls. gpt-4o-mini: 26 * 0.15 + 10 * 0.60.
        ["openai-responses"] = new(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", "openai-responses.request.json", "openai-responses.json", Json,
            new(26, 10, 36, 0, null, null, 0, null, ((26 * 0.15) + (10 * 0.60)) / 1e6, "estimated")),

        // Streamed Responses, usage in response.completed, no breakdown. Priced as the request's gpt-4o-mini: 10 * 0.15 + 25 * 0.60.
        ["openai-responses-stream"] = new(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", "openai-responses.request.json", "openai-responses-stream.sse", Sse,
            new(10, 25, 35, null, null, null, null, null, ((10 * 0.15) + (25 * 0.60)) / 1e6, "estimated")),

        // Anthropic: input_tokens excludes the cache, so prompt = 21 + 188086 + 0. claude-sonnet-5-5: $2, $2.50 cache write, $10.
        // 21 * 2 + 188086 * 2.50 + 393 * 10 = 42 + 470215 + 3930 = 474187.
        ["anthropic-cached"] = new(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", null, "anthropic-messages-cached.json", Json,
            new(188107, 393, 188500, 0, 188086, null, null, null, 474187e-6, "estimated")),

        // Streamed Anthropic with a cache hit on a long prompt: 12 + 120000 > 100000, so Haiku 5.5's long tier for every token:
        // $0.50 input, $0.05 cache read, $2.50 output. 12 * 0.50 + 120000 * 0.05 + 40 * 2.50 = 6 + 6000 + 100.
        ["anthropic-stream-cached"] = new(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", null, "anthropic-stream-cached.sse", Sse,
            new(120012, 40, 120052, 120000, 0, null, null, null, 6106e-6, "estimated")),

        // No cache fields at all: no breakdown. claude-sonnet-4-5: 2095 * 3 + 503 * 15.
        ["anthropic"] = new(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-messages.json", Json,
            new(2095, 503, 2598, null, null, null, null, null, ((2095 * 3.0) + (503 * 15.0)) / 1e6, "estimated")),

        // 25 + 15 on claude-sonnet-4-5.
        ["anthropic-stream"] = new(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-stream.sse", Sse,
            new(25, 15, 40, null, null, null, null, null, ((25 * 3.0) + (15 * 15.0)) / 1e6, "estimated")),

        // Gemini: promptTokenCount counts cachedContentTokenCount; output = candidates + thoughts. 250512 > 200K: gemini-2.5-pro's long tier,
        // $2.50 input, $0.25 cached, $15 output. 512 * 2.50 + 250000 * 0.25 + 540 * 15 = 1280 + 62500 + 8100.
        ["gemini-cached"] = new(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent", null, "gemini-generate-cached.json", Json,
            new(250512, 540, 251052, 250000, null, 218000, 500, null, 71880e-6, "estimated")),

        // Thinking: 15 + 54 output. gemini-2.5-flash: 54 * 0.30 + 69 * 2.50.
        ["gemini-thinking"] = new(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent", null, "gemini-generate-thinking-functioncall.json", Json,
            new(54, 69, 123, null, null, null, 54, null, ((54 * 0.30) + (69 * 2.50)) / 1e6, "estimated")),

        // Streamed thinking, the last usageMetadata wins: 14 + 62 output. 54 * 0.30 + 76 * 2.50.
        ["gemini-stream-thinking"] = new(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", null, "gemini-stream-thinking-functioncall.sse", Sse,
            new(54, 76, 130, null, null, null, 62, null, ((54 * 0.30) + (76 * 2.50)) / 1e6, "estimated")),

        // Bedrock Converse: inputTokens excludes cache reads and writes. claude-sonnet-4-5 through a us. profile:
        // 30 * 3 + 3000 * 0.30 + 1000 * 3.75 + 120 * 15 = 90 + 900 + 3750 + 1800.
        ["bedrock-converse-cached"] = new(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse", null, "bedrock-converse-cached.json", Json,
            new(4030, 120, 4150, 3000, 1000, null, null, null, 6540e-6, "estimated")),

        // amazon.nova-lite: 4 * 0.06 + 38 * 0.24.
        ["bedrock-converse"] = new(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1:0/converse", "bedrock-converse.request.json", "bedrock-converse.json", Json,
            new(4, 38, 42, null, null, null, null, null, ((4 * 0.06) + (38 * 0.24)) / 1e6, "estimated")),

        // nova-lite stream: 4 * 0.06 + 8 * 0.24.
        ["bedrock-converse-stream"] = new(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1:0/converse-stream", "bedrock-converse.request.json", "bedrock-converse-stream.bin", EventStream,
            new(4, 8, 12, null, null, null, null, null, ((4 * 0.06) + (8 * 0.24)) / 1e6, "estimated")),

        // InvokeModel with an Anthropic body reporting zero cache use. claude-haiku-4-5: 16 * 1 + 18 * 5.
        ["bedrock-invoke-anthropic"] = new(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke", null, "bedrock-invoke-anthropic.json", Json,
            new(16, 18, 34, 0, 0, null, null, null, ((16 * 1.0) + (18 * 5.0)) / 1e6, "estimated")),

        // mistral-small: 421 * 0.10 + 3 * 0.30.
        ["mistral"] = new(ZespanProvider.Mistral, "https://api.mistral.ai/v1/chat/completions", null, "mistral-chat.json", Json,
            new(421, 3, 424, null, null, null, null, null, ((421 * 0.10) + (3 * 0.30)) / 1e6, "estimated")),

        // Usage on the finish chunk without stream_options: 577 * 0.10 + 10 * 0.30.
        ["mistral-stream"] = new(ZespanProvider.Mistral, "https://api.mistral.ai/v1/chat/completions", null, "mistral-chat-stream.sse", Sse,
            new(577, 10, 587, null, null, null, null, null, ((577 * 0.10) + (10 * 0.30)) / 1e6, "estimated")),

        // Groq's own price for GPT OSS 120B: $0.15, $0.075 cached, $0.60. 564 * 0.15 + 1536 * 0.075 + 60 * 0.60 = 84.6 + 115.2 + 36.
        ["groq-cached"] = new(ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", null, "groq-chat-cached.json", Json,
            new(2100, 60, 2160, 1536, null, null, 40, null, 235.8e-6, "estimated")),

        // kimi-k2-instruct: 20 * 1 + 4 * 3, non-streamed and streamed (x_groq.usage).
        ["groq"] = new(ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", null, "groq-chat.json", Json,
            new(20, 4, 24, null, null, null, null, null, 32e-6, "estimated")),
        ["groq-stream"] = new(ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", "groq-stream.request.json", "groq-stream.sse", Sse,
            new(20, 4, 24, null, null, null, null, null, 32e-6, "estimated")),

        // OpenRouter reports the cost it billed: provided, whatever the table says; cache writes from cache_write_tokens.
        ["openrouter-cached"] = new(ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", null, "openrouter-chat-cached.json", Json,
            new(10010, 20, 10030, 8000, 2000, 0, 0, 0, 0.0069, "provided")),
        ["openrouter"] = new(ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", "openrouter-chat.request.json", "openrouter-chat.json", Json,
            new(19, 7, 26, 0, 0, 0, 0, 0, 1.255e-05, "provided")),
        ["openrouter-stream"] = new(ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", "openrouter-chat.request.json", "openrouter-stream.sse", Sse,
            new(19, 7, 26, 0, 0, 0, 0, 0, 1.255e-05, "provided")),

        // LiteLLM in front of Claude: prompt_tokens already counts the cache; cache writes from the top-level cache_creation_input_tokens.
        // Without its cost header, claude-opus-4-5: 100 * 5 + 5000 * 0.50 + 1000 * 6.25 + 200 * 25 = 500 + 2500 + 6250 + 5000.
        ["litellm-cached"] = new(ZespanProvider.LiteLlm, "http://litellm.internal:4000/v1/chat/completions", null, "litellm-chat-anthropic-cached.json", Json,
            new(6100, 200, 6300, 5000, 1000, null, 0, null, 14250e-6, "estimated")),

        // With it, the proxy's figure is the cost.
        ["litellm-cost-header"] = new(ZespanProvider.LiteLlm, "http://litellm.internal:4000/v1/chat/completions", null, "litellm-chat-anthropic-cached.json", Json,
            new(6100, 200, 6300, 5000, 1000, null, 0, null, 0.0123, "provided"), LiteLlmCost: 0.0123),
    };

    public static TheoryData<string> Labels => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Labels))]
    public void Fill_ProviderResponse_MapsEveryTokenFieldAndPricesIt(string label)
    {
        var c = Cases[label];
        var call = FixtureCall.Of(c.Provider, c.Url, c.Request, c.Response, c.ContentType);
        if (c.LiteLlmCost is { } header)
        {
            call.Headers = call.Headers with { LiteLlmCost = header };
        }

        AssertMapped(call.Run(), c.Expected);
    }

    [Theory]
    [MemberData(nameof(Labels))]
    public void Fill_ProviderResponseReadByteByByte_MapsTheSame(string label)
    {
        var c = Cases[label];
        var call = FixtureCall.Of(c.Provider, c.Url, c.Request, c.Response, c.ContentType);
        call.ReadSize = 1;
        if (c.LiteLlmCost is { } header)
        {
            call.Headers = call.Headers with { LiteLlmCost = header };
        }

        AssertMapped(call.Run(), c.Expected);
    }

    [Fact]
    public void Fill_BedrockConverseStreamWithCache_AddsCacheReadsAndWritesToThePrompt()
    {
        // ConverseStream's closing metadata event, as Bedrock sends it with prompt caching (inputTokens excludes the cache).
        var bytes = Concat(
            EventMessage("messageStart", """{"role":"assistant"}"""),
            EventMessage("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"ok"}}"""),
            EventMessage("messageStop", """{"stopReason":"end_turn"}"""),
            EventMessage("metadata", """{"metrics":{"latencyMs":420},"usage":{"inputTokens":30,"outputTokens":120,"totalTokens":4150,"cacheReadInputTokens":3000,"cacheWriteInputTokens":1000}}"""));
        var call = new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse-stream")
        {
            Response = bytes,
            ContentType = EventStream,
        };

        AssertMapped(call.Run(), new(4030, 120, 4150, 3000, 1000, null, null, null, 6540e-6, "estimated"));
    }

    [Fact]
    public void Fill_BedrockInvokeStreamMetricsWithCache_AddsCacheCountsToThePrompt()
    {
        // A non-Anthropic family whose only counts are amazon-bedrock-invocationMetrics (cache counts apart from input).
        var chunk = """{"generation":"ok","stop_reason":"stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":10,"outputTokenCount":5,"cacheReadInputTokenCount":90,"cacheWriteInputTokenCount":0,"invocationLatency":100,"firstByteLatency":50}}""";
        var payload = "{\"bytes\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(chunk)) + "\"}";
        var call = new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-3-70b-instruct-v1:0/invoke-with-response-stream")
        {
            Response = EventMessage("chunk", payload),
            ContentType = EventStream,
        };

        var evt = call.Run();

        EventAssert.Tokens(evt, 100, 5, 105);
        Assert.Equal(90, evt.PromptTokensDetails!.CachedTokens);
        Assert.Equal(0, evt.PromptTokensDetails.CacheCreationTokens);
    }

    [Fact]
    public void Fill_BedrockCacheHeaders_AddCacheCountsToThePromptAndTheBreakdown()
    {
        var call = new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-3-70b-instruct-v1:0/invoke")
        {
            Response = """{"generation":"ok","stop_reason":"stop"}"""u8.ToArray(),
            Headers = new ProviderResponseHeaders(null, null, 10, 5, 90, 20, null),
        };

        var evt = call.Run();

        EventAssert.Tokens(evt, 120, 5, 125);
        Assert.Equal(90, evt.PromptTokensDetails!.CachedTokens);
        Assert.Equal(20, evt.PromptTokensDetails.CacheCreationTokens);

        // llama3-3-70b: $0.72 both ways, no cache prices: cache reads and writes at the input price.
        EventAssert.Cost(((120 * 0.72) + (5 * 0.72)) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_UnknownModel_IsUnpricedWithNullCostNeverZero()
    {
        var response = """{"id":"x","object":"chat.completion","model":"acme-private-7b","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}"""u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions") { Response = response }.Run();

        EventAssert.Tokens(evt, 10, 2, 12);
        Assert.Null(evt.Cost);
        Assert.Equal("unpriced", evt.CostStatus);
        Assert.Equal(ModelPriceTable.Version, evt.PriceTableVersion);
    }

    [Fact]
    public void Fill_ErrorWithoutUsage_HasNoCostAndNoStatus()
    {
        var call = FixtureCall.Of(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-error.json");
        call.Status = 400;
        var evt = call.Run();

        Assert.Null(evt.Cost);
        Assert.Null(evt.CostStatus);
        Assert.Null(evt.PromptTokensDetails);
    }

    private static void AssertMapped(ZespanEvent evt, Expected expected)
    {
        EventAssert.Tokens(evt, expected.Prompt, expected.Completion, expected.Total);
        Assert.Equal(expected.Cached, evt.PromptTokensDetails?.CachedTokens);
        Assert.Equal(expected.CacheCreation, evt.PromptTokensDetails?.CacheCreationTokens);
        Assert.Equal(expected.AudioIn, evt.PromptTokensDetails?.AudioTokens);
        Assert.Equal(expected.Reasoning, evt.CompletionTokensDetails?.ReasoningTokens);
        Assert.Equal(expected.AudioOut, evt.CompletionTokensDetails?.AudioTokens);
        Assert.Equal(expected.Status, evt.CostStatus);
        if (expected.Cost is { } cost)
        {
            // To a millionth of a cent.
            Assert.True(evt.Cost is { } actual && Math.Abs(actual - cost) < 1e-8, $"cost {evt.Cost} != {cost}");
        }
        else
        {
            Assert.Null(evt.Cost);
        }

        if (expected.Status == "estimated")
        {
            Assert.Equal(ModelPriceTable.Version, evt.PriceTableVersion);
        }
        else
        {
            Assert.Null(evt.PriceTableVersion);
        }

    }

    /// <summary>One AWS event-stream message: prelude (lengths, CRC), the three string headers, the payload, the message CRC.</summary>
    internal static byte[] EventMessage(string eventType, string payload)
    {
        var headers = new MemoryStream();
        Header(headers, ":event-type", eventType);
        Header(headers, ":content-type", "application/json");
        Header(headers, ":message-type", "event");
        var body = Encoding.UTF8.GetBytes(payload);
        var total = 12 + (int)headers.Length + body.Length + 4;
        var message = new byte[total];
        BinaryPrimitives.WriteInt32BigEndian(message, total);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), (int)headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), Crc32.Compute(message.AsSpan(0, 8)));
        headers.ToArray().CopyTo(message, 12);
        body.CopyTo(message, 12 + (int)headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(total - 4), Crc32.Compute(message.AsSpan(0, total - 4)));
        return message;

        static void Header(MemoryStream stream, string name, string value)
        {
            var n = Encoding.UTF8.GetBytes(name);
            var v = Encoding.UTF8.GetBytes(value);
            stream.WriteByte((byte)n.Length);
            stream.Write(n);
            stream.WriteByte(7);
            stream.WriteByte((byte)(v.Length >> 8));
            stream.WriteByte((byte)v.Length);
            stream.Write(v);
        }
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(static p => p).ToArray();
}
