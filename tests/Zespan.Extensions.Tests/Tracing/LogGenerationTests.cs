using Zespan.Extensions.Pricing.Internal;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Tests.Tracing;

public class LogGenerationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LogGeneration_NoModel_ThrowsArgumentExceptionNamingModel(bool enabled)
    {
        using var harness = TracingHarness.Create(("Enabled", enabled ? "true" : "false"));

        var ex = Assert.Throws<ArgumentException>(() => harness.Tracer.LogGeneration(new GenerationLog { Model = " " }));

        Assert.Contains("Model", ex.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Events);
    }

    [Fact]
    public void LogGeneration_WithLatency_StartsThatLongBeforeNow()
    {
        using var harness = TracingHarness.Create();
        var now = harness.Time.GetUtcNow();

        harness.Tracer.LogGeneration(new GenerationLog
        {
            Model = "gpt-4o-mini",
            Provider = "openai",
            PromptTokens = 100,
            CompletionTokens = 20,
            Latency = TimeSpan.FromMilliseconds(750),
            TimeToFirstToken = TimeSpan.FromMilliseconds(200),
            Stream = true,
            FinishReason = "stop",
            ResponseModel = "gpt-4o-mini-2024-07-18",
        });

        var item = harness.Prepared(ZespanTracer.DefaultGenerationName);
        Assert.Equal(LogTypes.Generation, item.LogType);
        Assert.Equal(now, item.EndTime);
        Assert.Equal(now.AddMilliseconds(-750), item.StartTime);
        Assert.Equal(0.75, item.Latency, 9);
        Assert.Equal(0.2, item.TimeToFirstToken!.Value, 9);
        Assert.Equal("gpt-4o-mini", item.Model);
        Assert.Equal("openai", item.Provider);
        Assert.Equal("gpt-4o-mini-2024-07-18", item.ResponseModel);
        Assert.Equal(120, item.TotalTokens);
        Assert.True(item.Stream);
        Assert.Equal("stop", item.FinishReason);
        Assert.Equal(200, item.StatusCode);

        // No cost given: estimated from the built-in price table (gpt-4o-mini: $0.15 in, $0.60 out per million).
        Assert.Equal(0.000027, item.Cost!.Value, 9);
    }

    [Fact]
    public void LogGeneration_NoLatency_StartsAndEndsNow()
    {
        using var harness = TracingHarness.Create();

        harness.Tracer.LogGeneration(new GenerationLog { Model = "m", Name = "manual.call", StatusCode = 429, Cost = 0.0125 });

        var item = harness.Single("manual.call");
        Assert.Equal(item.StartTime, item.EndTime);
        Assert.Equal(0, item.Latency);
        Assert.Equal(429, item.StatusCode);
        Assert.Equal(0.0125, item.Cost);
    }

    [Fact]
    public void LogGeneration_InsideSpan_IsItsChild()
    {
        using var harness = TracingHarness.Create();

        using (harness.Tracer.StartSpan("workflow"))
        {
            harness.Tracer.LogGeneration(new GenerationLog { Model = "m" });
        }

        var workflow = harness.Single("workflow");
        var generation = harness.Single(ZespanTracer.DefaultGenerationName);
        Assert.Equal(workflow.TraceId, generation.TraceId);
        Assert.Equal(workflow.SpanId, generation.ParentSpanId);
        Assert.Equal(LogTypes.Generation, generation.LogType);
    }

    [Fact]
    public void LogGeneration_CustomerFields_FromLogElseAmbientScope()
    {
        using var harness = TracingHarness.Create();
        using var scope = harness.Context.BeginScope("scope-user", "session-1", new Dictionary<string, string> { ["team"] = "a" }, "scope@example.com", "Scope User");

        harness.Tracer.LogGeneration(new GenerationLog { Model = "m", Name = "ambient" });
        harness.Tracer.LogGeneration(new GenerationLog
        {
            Model = "m",
            Name = "explicit",
            CustomerIdentifier = "log-user",
            CustomerEmail = "log@example.com",
            Tags = new Dictionary<string, string> { ["team"] = "b", ["kind"] = "manual" },
        });

        var ambient = harness.Single("ambient");
        Assert.Equal("scope-user", ambient.CustomerIdentifier);
        Assert.Equal("scope@example.com", ambient.CustomerEmail);
        Assert.Equal("Scope User", ambient.CustomerName);
        Assert.Equal("session-1", ambient.ThreadIdentifier);
        var explicitly = harness.Single("explicit");
        Assert.Equal("log-user", explicitly.CustomerIdentifier);
        Assert.Equal("log@example.com", explicitly.CustomerEmail);
        Assert.Equal("Scope User", explicitly.CustomerName);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "b", ["kind"] = "manual" }, explicitly.Tags);
    }

    [Fact]
    public void LogGeneration_Messages_CopiedAndDroppedWhenStorePromptsOff()
    {
        using var stored = TracingHarness.Create();
        using var notStored = TracingHarness.Create(("StorePrompts", "false"));
        var messages = new List<LlmMessage> { new("user", "hello") };
        var calls = new List<LlmToolCall> { new("c1", "lookup", """{"id":1}""") };
        var log = new GenerationLog
        {
            Model = "m",
            PromptMessages = messages,
            CompletionMessage = new LlmMessage("assistant", null) { ToolCalls = calls },
        };

        stored.Tracer.LogGeneration(log);
        notStored.Tracer.LogGeneration(log);
        messages.Add(new LlmMessage("user", "added later"));
        calls.Add(new LlmToolCall("c2", "later", "{}"));

        var item = stored.Single(ZespanTracer.DefaultGenerationName);
        Assert.Equal("hello", Assert.Single(item.PromptMessages!).Content);
        Assert.Single(item.CompletionMessage!.ToolCalls!);
        var bare = notStored.Single(ZespanTracer.DefaultGenerationName);
        Assert.Null(bare.PromptMessages);
        Assert.Null(bare.CompletionMessage);
    }

    [Fact]
    public void LogGeneration_Metadata_SnapshottedWhenLogged()
    {
        using var harness = TracingHarness.Create();
        var items = new List<string> { "a" };

        harness.Tracer.LogGeneration(new GenerationLog { Model = "m", Metadata = new Dictionary<string, object?> { ["items"] = items, ["n"] = 1 } });
        items.Add("b");

        var metadata = harness.Single(ZespanTracer.DefaultGenerationName).Metadata!;
        Assert.Equal("""["a"]""", metadata["items"]!.ToJsonString());
        Assert.Equal("1", metadata["n"]!.ToJsonString());
    }

    [Fact]
    public void LogGeneration_Error_Sends500UnlessStatusGiven()
    {
        using var harness = TracingHarness.Create();

        harness.Tracer.LogGeneration(new GenerationLog { Model = "m", Name = "e500", Error = new HttpRequestException("reset") });
        harness.Tracer.LogGeneration(new GenerationLog { Model = "m", Name = "e503", Error = new HttpRequestException("down"), StatusCode = 503 });

        Assert.Equal(500, harness.Single("e500").StatusCode);
        Assert.Equal("System.Net.Http.HttpRequestException", harness.Single("e500").Error!.Type);
        Assert.Equal(503, harness.Single("e503").StatusCode);
    }

    [Fact]
    public void LogGeneration_NoCost_EstimatedWhenAnEstimatorIsRegistered()
    {
        var estimator = new FixedEstimator(0.5);
        using var harness = TracingHarness.Create(s => s.AddSingleton<IZespanCostEstimator>(estimator));

        harness.Tracer.LogGeneration(new GenerationLog { Model = "gpt-4o", Provider = "openai", PromptTokens = 10, CompletionTokens = 5, Name = "estimated" });
        harness.Tracer.LogGeneration(new GenerationLog { Model = "gpt-4o", Cost = 0.1, Name = "given" });

        Assert.Equal(0.5, harness.Prepared("estimated").Cost);
        Assert.Equal(("openai", "gpt-4o", 10, 5), estimator.LastCall);
        Assert.Equal("estimated", harness.Prepared("estimated").CostStatus);
        Assert.Equal("fixed", harness.Prepared("estimated").PriceTableVersion);
        Assert.Equal(0.1, harness.Prepared("given").Cost);
        Assert.Equal("provided", harness.Prepared("given").CostStatus);
    }

    [Fact]
    public void LogGeneration_TracingDisabled_RecordsNothing()
    {
        using var harness = TracingHarness.Create(("DisableTracing", "true"));

        harness.Tracer.LogGeneration(new GenerationLog { Model = "m" });

        Assert.Empty(harness.Events);
    }

    private sealed class FixedEstimator(double cost) : IZespanCostEstimator
    {
        public (string?, string, int?, int?) LastCall { get; private set; }

        public CostEstimate Estimate(string? provider, string model, in TokenCounts usage)
        {
            LastCall = (provider, model, usage.Prompt, usage.Completion);
            return new CostEstimate(cost, "fixed");
        }
    }
}
