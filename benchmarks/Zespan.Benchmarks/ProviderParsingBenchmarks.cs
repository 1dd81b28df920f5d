using System.Text;
using BenchmarkDotNet.Attributes;
using Zespan.Extensions;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Redaction.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Benchmarks;

/// <summary>
/// The provider wire layer: parsing a captured OpenAI chat response (~2 KB) and a 200-chunk stream into
/// an event (export-thread work), the caller-path cost of reading that stream through the capture tee,
/// and provider detection for a host that is not an LLM endpoint (must allocate nothing).
/// </summary>
[MemoryDiagnoser]
public class ProviderParsingBenchmarks
{
    private static readonly Uri ChatUri = new("https://api.openai.com/v1/chat/completions");
    private static readonly Uri OtherUri = new("https://inventory.internal.example.com:8443/api/items?page=2");
    private static readonly ProviderEndpointTable Endpoints = ProviderEndpointTable.From(null, ["litellm.internal:4000"]);

    private byte[] _request = [];
    private byte[] _response = [];
    private byte[] _stream = [];
    private byte[] _readBuffer = [];
    private LlmEndpoint _endpoint;
    private static readonly RedactionKeySet DefaultKeys = RedactionKeySet.Create(new ZespanOptions());
    private readonly ZespanEvent _redactable = new()
    {
        PromptMessages =
        [
            new LlmMessage("system", string.Concat(Enumerable.Repeat("Rules: answer in two sentences. Format: plain text. Tone: friendly; sign as: Support Team. ", 10))),
            new LlmMessage("user", "Where is order 48213? I ordered it on Monday at 10:15 and the page says: processing."),
            new LlmMessage("assistant", null) { ToolCalls = [new LlmToolCall("call_1", "get_order", "{\"order_id\":\"48213\",\"fields\":[\"status\",\"eta\",\"carrier\"],\"include_history\":true}")] },
            new LlmMessage("tool", "{\"status\":\"shipped\",\"eta\":\"Friday\",\"carrier\":\"DHL\",\"history\":[{\"at\":\"09:00\",\"event\":\"packed\"},{\"at\":\"16:30\",\"event\":\"handed over\"}]}") { ToolCallId = "call_1" },
        ],
        CompletionMessage = new LlmMessage("assistant", "Good news: order 48213 shipped on Thursday at 16:30 with DHL. Expected delivery: Friday."),
        Tags = new Dictionary<string, string> { ["team"] = "support", ["feature"] = "order-status" },
    };

    [GlobalSetup]
    public void Setup()
    {
        _endpoint = LlmEndpoint.Detect(ZespanProvider.OpenAI, ChatUri);
        _request = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","temperature":0.5,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Explain how a tee stream works."}]}""");
        var content = string.Join(' ', Enumerable.Repeat("A tee stream passes every byte to the caller and keeps a copy.", 24));
        _response = Encoding.UTF8.GetBytes(
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1727888631,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
            + content + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":31,\"completion_tokens\":340,\"total_tokens\":371,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"system_fingerprint\":\"fp_f85bea6784\"}");

        var sse = new StringBuilder();
        for (var i = 0; i < 198; i++)
        {
            sse.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_f85bea6784\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        sse.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        sse.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":198,\"total_tokens\":206}}\n\ndata: [DONE]\n\n");
        _stream = Encoding.UTF8.GetBytes(sse.ToString());
        _readBuffer = new byte[256];
    }

    /// <summary>Export thread: a captured ~2 KB chat completion (and its request) into an event.</summary>
    [Benchmark]
    public object ParseChatResponse2KB()
    {
        var context = new ParseContext(storePrompts: true, maxTextBytes: 262_144);
        var request = new CaptureBuffer(262_144, tailBytes: 0);
        request.Append(_request);
        var response = new CaptureBuffer(262_144);
        response.Append(_response);
        using var exchange = new ProviderExchange { Endpoint = _endpoint, Context = context, Request = request, Response = response, StatusCode = 200 };
        var evt = new ZespanEvent();
        ProviderEventBuilder.Fill(evt, exchange, null);
        return evt;
    }

    /// <summary>Export thread: a captured 200-chunk SSE stream into an event.</summary>
    [Benchmark]
    public object ParseStream200Chunks()
    {
        var context = new ParseContext(storePrompts: true, maxTextBytes: 262_144);
        var sink = new StreamCaptureSink(ProviderStreamParser.Create(_endpoint, "text/event-stream", context)!, 262_144);
        sink.Append(_stream);
        using var exchange = new ProviderExchange { Endpoint = _endpoint, Context = context, Stream = sink, StatusCode = 200 };
        var evt = new ZespanEvent();
        ProviderEventBuilder.Fill(evt, exchange, null);
        return evt;
    }

    /// <summary>Caller path baseline: reading the 200-chunk stream (~48 KB) in 256-byte reads, no tee.</summary>
    [Benchmark(Baseline = true)]
    public long ReadStreamBare()
    {
        using var stream = new MemoryStream(_stream, writable: false);
        long total = 0;
        int read;
        while ((read = stream.Read(_readBuffer, 0, _readBuffer.Length)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>Caller path: the same reads through the capture tee (copy into the pooled stream capture).</summary>
    [Benchmark]
    public long ReadStreamThroughTee()
    {
        var context = new ParseContext(storePrompts: true, maxTextBytes: 262_144);
        using var sink = new StreamCaptureSink(ProviderStreamParser.Create(_endpoint, "text/event-stream", context)!, 262_144);
        using var stream = new CapturingStream(new MemoryStream(_stream, writable: false), sink, TimeProvider.System, NullObserver.Instance);
        long total = 0;
        int read;
        while ((read = stream.Read(_readBuffer, 0, _readBuffer.Length)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>
    /// Export thread: redacting (default keys) a chat event with no secret whose texts hold colons (a system prompt
    /// with "Rules:"-style lines, a JSON tool call, an answer with times): the event is left as it is.
    /// </summary>
    [Benchmark]
    public object RedactChatEventWithoutSecrets()
    {
        EventRedactor.Redact(_redactable, DefaultKeys);
        return _redactable;
    }

    /// <summary>Provider detection for a request to a host that is not an LLM endpoint (target 0 B).</summary>
    [Benchmark]
    public ZespanProvider? DetectNonLlmHost() => ProviderDetector.Detect(OtherUri, Endpoints)?.Provider;

    /// <summary>Provider detection for api.openai.com.</summary>
    [Benchmark]
    public ZespanProvider? DetectOpenAIHost() => ProviderDetector.Detect(ChatUri, Endpoints)?.Provider;

    private sealed class NullObserver : ICaptureObserver
    {
        public static readonly NullObserver Instance = new();

        public void OnCaptureCompleted(in CaptureCompletion completion)
        {
        }
    }
}
