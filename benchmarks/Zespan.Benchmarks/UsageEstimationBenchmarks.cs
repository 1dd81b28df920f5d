using System.Text;
using BenchmarkDotNet.Attributes;
using Zespan.Extensions;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Pricing.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Benchmarks;

/// <summary>
/// Token estimation for a call whose provider reported no usage (issue 17), all export-thread work: the estimate of a
/// typical chat call (a 1 KB system prompt, a question, a 1.4 KB answer) and of a 200-chunk stream rebuilt from the
/// wire, against the same stream with its usage chunk (no estimate). The one-time cost of the first estimate in a
/// process is <see cref="TokenizerColdStartBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class UsageEstimationBenchmarks
{
    private static readonly Uri ChatUri = new("https://api.openai.com/v1/chat/completions");

    private LlmMessage[] _prompt = [];
    private LlmMessage _completion = null!;
    private byte[] _streamWithUsage = [];
    private byte[] _streamWithoutUsage = [];
    private LlmEndpoint _endpoint;

    [GlobalSetup]
    public void Setup()
    {
        _endpoint = LlmEndpoint.Detect(ZespanProvider.OpenAI, ChatUri);
        var system = string.Join(' ', Enumerable.Repeat("You are a support assistant for an online shop; answer briefly and cite the order id.", 12));
        _prompt = [new LlmMessage("system", system), new LlmMessage("user", "Where is order 4417? It was due on Tuesday and the tracking page shows nothing.")];
        _completion = new LlmMessage("assistant", string.Join(' ', Enumerable.Repeat("Order 4417 left the warehouse on Monday and is with the carrier.", 22)));

        var sse = new StringBuilder();
        for (var i = 0; i < 198; i++)
        {
            sse.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},\"finish_reason\":null}]}\n\n");
        }

        sse.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        _streamWithoutUsage = Encoding.UTF8.GetBytes(sse + "data: [DONE]\n\n");
        _streamWithUsage = Encoding.UTF8.GetBytes(sse + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1727889370,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":198,\"total_tokens\":206}}\n\ndata: [DONE]\n\n");

        // Build the tokenizer before measuring (TokenizerColdStartBenchmarks measures that one-time cost).
        TiktokenTokenCountEstimator.Instance.CountTokens("gpt-4o-mini", "warm up");
    }

    /// <summary>The estimate of a chat call: ~1.1 KB of prompt and ~1.4 KB of completion counted with o200k.</summary>
    [Benchmark]
    public int? EstimateChatCall()
    {
        var evt = new ZespanEvent { LogType = LogTypes.Generation, Model = "gpt-4o-mini", PromptMessages = _prompt, CompletionMessage = _completion };
        UsageEstimation.Estimate(evt, TiktokenTokenCountEstimator.Instance);
        return evt.TotalTokens;
    }

    /// <summary>Baseline: a 200-chunk stream with its usage chunk parsed and priced (no estimate).</summary>
    [Benchmark(Baseline = true)]
    public int? ParseStreamWithUsage() => Parse(_streamWithUsage);

    /// <summary>The same stream without usage: parsed, estimated, priced.</summary>
    [Benchmark]
    public int? ParseStreamWithoutUsageAndEstimate()
    {
        var total = Parse(_streamWithoutUsage, out var evt);
        UsageEstimation.Estimate(evt, TiktokenTokenCountEstimator.Instance);
        PricingStep.Apply(evt, new PriceTableCostEstimator((IList<ModelPrice>?)null));
        return total ?? evt.TotalTokens;
    }

    private int? Parse(byte[] stream) => Parse(stream, out _);

    private int? Parse(byte[] stream, out ZespanEvent evt)
    {
        var context = new ParseContext(storePrompts: true, maxTextBytes: 262_144);
        var sink = new StreamCaptureSink(ProviderStreamParser.Create(_endpoint, "text/event-stream", context)!, 262_144);
        sink.Append(stream);
        using var exchange = new ProviderExchange { Endpoint = _endpoint, Context = context, Stream = sink, StatusCode = 200 };
        evt = new ZespanEvent { PromptMessages = _prompt };
        ProviderEventBuilder.Fill(evt, exchange, null);
        return evt.TotalTokens;
    }
}
