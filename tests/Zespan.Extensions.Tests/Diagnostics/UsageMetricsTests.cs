using System.Diagnostics;
using System.Diagnostics.Metrics;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Tests.Tracing;

namespace Zespan.Extensions.Tests.Diagnostics;

/// <summary>
/// gen_ai.client.token.usage, zespan.cost and zespan.cost.unpriced_calls as the lifecycle records them, with and
/// without <see cref="ZespanOptions.MetricTagAllowList"/>. Each test uses its own model id, so measurements of tests
/// running alongside are told apart.
/// </summary>
public sealed class UsageMetricsTests : IDisposable
{
    private readonly List<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = [];
    private readonly MeterListener _listener = new();

    public UsageMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ZespanDiagnostics.Name && (instrument.Name.StartsWith("gen_ai.", StringComparison.Ordinal) || instrument.Name.StartsWith("zespan.cost", StringComparison.Ordinal)))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i.Name, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i.Name, v, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public void RecordMetrics_AllowListEmpty_NoUserOrTagDimension()
    {
        using var harness = TracingHarness.Create();
        using (harness.Context.BeginScope(userId: "user-42", tags: new Dictionary<string, string> { ["team"] = "support" }))
        {
            harness.Tracer.LogGeneration(new GenerationLog { Name = "off", Model = "gpt-4o-metrics-off", PromptTokens = 1000, CompletionTokens = 100 });
        }

        harness.Prepared("off");

        var mine = Mine("gpt-4o-metrics-off");
        Assert.Equal(3, mine.Count); // input tokens, output tokens, cost
        Assert.All(mine, m =>
        {
            Assert.DoesNotContain(GenAiTelemetry.CustomerIdentifier, m.Tags.Keys);
            Assert.DoesNotContain("zespan.tags.team", m.Tags.Keys);
        });

        // gpt-4o (the longest table id the model starts with): 1000 * 2.50 + 100 * 10.
        var cost = Assert.Single(mine, m => m.Name == "zespan.cost");
        Assert.Equal(((1000 * 2.50) + (100 * 10.0)) / 1e6, cost.Value, 12);
    }

    [Fact]
    public void RecordMetrics_AllowListed_TokensAndCostCarryTheUserAndTheChosenTags()
    {
        using var harness = TracingHarness.Create(("MetricTagAllowList:0", "customer_identifier"), ("MetricTagAllowList:1", "tags.team"), ("MetricTagAllowList:2", "absent"));
        using (harness.Context.BeginScope(userId: "user-42", tags: new Dictionary<string, string> { ["team"] = "support", ["region"] = "eu" }))
        {
            harness.Tracer.LogGeneration(new GenerationLog { Name = "on", Model = "gpt-4o-metrics-on", PromptTokens = 1000, CompletionTokens = 100 });
        }

        harness.Prepared("on");

        var mine = Mine("gpt-4o-metrics-on");
        Assert.Equal(["gen_ai.client.token.usage", "gen_ai.client.token.usage", "zespan.cost"], mine.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(mine, m =>
        {
            Assert.Equal("user-42", m.Tags[GenAiTelemetry.CustomerIdentifier]);
            Assert.Equal("support", m.Tags["zespan.tags.team"]);
            Assert.DoesNotContain("zespan.tags.region", m.Tags.Keys);
            Assert.DoesNotContain("zespan.tags.absent", m.Tags.Keys);
        });

        // The duration histogram never carries them.
        var duration = Assert.Single(Snapshot(), m => m.Name == "gen_ai.client.operation.duration" && Equals(m.Tags.GetValueOrDefault("gen_ai.request.model"), "gpt-4o-metrics-on"));
        Assert.DoesNotContain(GenAiTelemetry.CustomerIdentifier, duration.Tags.Keys);
    }

    [Fact]
    public void RecordMetrics_UnpricedModel_CountsTheCallByModelAndRecordsNoCost()
    {
        using var harness = TracingHarness.Create();
        harness.Tracer.LogGeneration(new GenerationLog { Name = "unpriced", Model = "acme-metrics-unpriced", PromptTokens = 10, CompletionTokens = 1 });

        Assert.Equal(CostStatuses.Unpriced, harness.Prepared("unpriced").CostStatus);

        var mine = Mine("acme-metrics-unpriced");
        var unpriced = Assert.Single(mine, m => m.Name == "zespan.cost.unpriced_calls");
        Assert.Equal(1, unpriced.Value);
        Assert.DoesNotContain(mine, m => m.Name == "zespan.cost");
    }

    [Fact]
    public void Enrich_TokenBreakdownAndCostStatus_AreActivityAttributes()
    {
        using var source = new ActivitySource("UsageMetricsTests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "UsageMetricsTests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var activity = source.StartActivity("chat")!;
        var e = new ZespanEvent
        {
            LogType = LogTypes.Generation,
            Model = "claude-sonnet-5-5",
            PromptTokens = 1200,
            CompletionTokens = 300,
            PromptTokensDetails = new() { CachedTokens = 1000, CacheCreationTokens = 150, AudioTokens = 5 },
            CompletionTokensDetails = new() { ReasoningTokens = 200, AudioTokens = 7 },
            Cost = 0.01,
            CostStatus = CostStatuses.Estimated,
            PriceTableVersion = "2026-12-03",
        };

        GenAiTelemetry.Enrich(activity, e, includeContent: false);

        Assert.Equal(1200, activity.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(1000, activity.GetTagItem("gen_ai.usage.cache_read.input_tokens"));
        Assert.Equal(150, activity.GetTagItem("gen_ai.usage.cache_creation.input_tokens"));
        Assert.Equal(200, activity.GetTagItem("gen_ai.usage.reasoning.output_tokens"));
        Assert.Equal(5, activity.GetTagItem("zespan.usage.audio.input_tokens"));
        Assert.Equal(7, activity.GetTagItem("zespan.usage.audio.output_tokens"));
        Assert.Equal("estimated", activity.GetTagItem("zespan.cost_status"));
        Assert.Equal("2026-12-03", activity.GetTagItem("zespan.price_table_version"));
    }

    private List<(string Name, double Value, Dictionary<string, object?> Tags)> Mine(string model) =>
        Snapshot().Where(m => m.Name != "gen_ai.client.operation.duration" && Equals(m.Tags.GetValueOrDefault("gen_ai.request.model"), model)).ToList();

    private (string Name, double Value, Dictionary<string, object?> Tags)[] Snapshot()
    {
        lock (_measurements)
        {
            return [.. _measurements];
        }
    }

    private void Record(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dict = new Dictionary<string, object?>();
        foreach (var t in tags)
        {
            dict[t.Key] = t.Value;
        }

        lock (_measurements)
        {
            _measurements.Add((name, value, dict));
        }
    }
}
