using System.Diagnostics;
using System.Text.Json;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Tracing;

/// <summary>The tracing additions to ZespanEvent (raw ids, inline tags) serialize as the protocol's EVENT.</summary>
public class ZespanEventWireTests
{
    [Fact]
    public void Serialize_SpanEvent_HasWireIdsAndMergedTagsAndNoInternalFields()
    {
        using var harness = TracingHarness.Create();
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        using var scope = harness.Context.BeginScope("user-1", tags: new Dictionary<string, string> { ["team"] = "a" });

        string traceId, spanId;
        using (var span = harness.Tracer.StartSpan("span"))
        {
            span.SetTag("tier", "gold");
            span.SetMetadata("n", 1);
            traceId = span.TraceId;
            spanId = span.SpanId;
        }

        var json = JsonSerializer.Serialize(harness.Single("span"), ZespanJsonContext.Default.ZespanEvent);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Equal(traceId, root.GetProperty("trace_id").GetString());
        Assert.Equal(activity.TraceId.ToHexString(), traceId);
        Assert.Equal(spanId, root.GetProperty("span_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), root.GetProperty("parent_span_id").GetString());
        Assert.Equal("workflow", root.GetProperty("log_type").GetString());
        Assert.Equal("user-1", root.GetProperty("customer_identifier").GetString());
        Assert.Equal("""{"team":"a","tier":"gold"}""", root.GetProperty("tags").GetRawText());
        Assert.Equal("""{"n":1}""", root.GetProperty("metadata").GetRawText());
        Assert.False(root.TryGetProperty("start_timestamp", out _));
        Assert.False(root.TryGetProperty("raw_trace_id", out _));
        Assert.False(root.TryGetProperty("raw_span_id", out _));
    }

    [Fact]
    public void Ids_SetThroughActivityTypes_RoundTrip()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        var item = new ZespanEvent { TraceId = traceId, SpanId = spanId, ParentSpanId = null };

        Assert.Equal(traceId, item.TraceId);
        Assert.Equal(spanId, item.SpanId);
        Assert.Null(item.ParentSpanId);
        item.ParentSpanId = spanId;
        Assert.Equal(spanId, item.ParentSpanId);
        Assert.Equal(default, new ZespanEvent().TraceId);
        Assert.Equal(default, new ZespanEvent().SpanId);
    }

    [Fact]
    public void Serialize_LoggedGeneration_HasTheTokenBreakdownCostStatusAndPriceTableVersion()
    {
        using var harness = TracingHarness.Create();
        harness.Tracer.LogGeneration(new GenerationLog
        {
            Name = "gen",
            Model = "claude-sonnet-5-5",
            Provider = "anthropic",
            PromptTokens = 1200,
            CachedInputTokens = 1000,
            CacheCreationInputTokens = 150,
            InputAudioTokens = 5,
            CompletionTokens = 300,
            ReasoningTokens = 200,
            OutputAudioTokens = 7,
        });

        var json = JsonSerializer.Serialize(harness.Prepared("gen"), ZespanJsonContext.Default.ZespanEvent);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Equal("""{"cached_tokens":1000,"cache_creation_tokens":150,"audio_tokens":5}""", root.GetProperty("prompt_tokens_details").GetRawText());
        Assert.Equal("""{"reasoning_tokens":200,"audio_tokens":7}""", root.GetProperty("completion_tokens_details").GetRawText());
        Assert.Equal(1200, root.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(1500, root.GetProperty("total_tokens").GetInt32());

        // claude-sonnet-5-5: 50 fresh * $2 + 1000 cached * $0.10 + 150 written * $2.50 + 300 output * $10.
        Assert.Equal(((50 * 2.0) + (1000 * 0.10) + (150 * 2.50) + (300 * 10.0)) / 1e6, root.GetProperty("cost").GetDouble(), 12);
        Assert.Equal("estimated", root.GetProperty("cost_status").GetString());
        Assert.Equal("2026-12-03", root.GetProperty("price_table_version").GetString());
        Assert.False(root.TryGetProperty("usage_estimate_pending", out _));
    }

    [Fact]
    public void Serialize_SpanEvent_HasNoTokenOrCostFields()
    {
        using var harness = TracingHarness.Create();
        using (harness.Tracer.StartSpan("plain"))
        {
        }

        var json = JsonSerializer.Serialize(harness.Prepared("plain"), ZespanJsonContext.Default.ZespanEvent);

        Assert.DoesNotContain("tokens_details", json, StringComparison.Ordinal);
        Assert.DoesNotContain("cost_status", json, StringComparison.Ordinal);
        Assert.DoesNotContain("price_table_version", json, StringComparison.Ordinal);
    }
}
