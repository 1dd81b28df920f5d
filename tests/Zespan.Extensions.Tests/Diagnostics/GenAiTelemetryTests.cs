using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Diagnostics;

public class GenAiTelemetryTests
{
    private static ZespanEvent Generation() => new()
    {
        LogType = LogTypes.Generation,
        Name = "anthropic.messages",
        Provider = "anthropic",
        Model = "claude-haiku-4-5",
        ResponseModel = "claude-haiku-4-5-20251001",
        FinishReason = "tool_calls",
        PromptTokens = 100,
        CompletionTokens = 20,
        Cost = 0.0002,
        Stream = true,
        TimeToFirstToken = 0.25,
        Latency = 1.5,
        Environment = "staging",
        CustomerIdentifier = "user-1",
        ThreadIdentifier = "session-9",
        Tags = new() { ["team"] = "support" },
        Metadata = new() { ["prompt.name"] = JsonValue.Create("support-reply") },
        EvalScores = new() { ["relevance"] = 0.9 },
        PromptMessages =
        [
            new LlmMessage("system", "Be brief."),
            new LlmMessage("user", "Where is order 42?"),
            new LlmMessage("tool", "{\"status\":\"shipped\"}") { ToolCallId = "call_1" },
        ],
        CompletionMessage = new LlmMessage("assistant", null) { ToolCalls = [new LlmToolCall("call_2", "lookup", "{\"id\":42}")] },
    };

    [Fact]
    public void Enrich_Generation_SetsSemanticConventionAttributes()
    {
        using var activity = new Activity("test").Start();

        GenAiTelemetry.Enrich(activity, Generation(), includeContent: true);

        Assert.Equal("chat claude-haiku-4-5", activity.DisplayName);
        Assert.Equal("chat", activity.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("anthropic", activity.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("claude-haiku-4-5", activity.GetTagItem("gen_ai.request.model"));
        Assert.Equal("claude-haiku-4-5-20251001", activity.GetTagItem("gen_ai.response.model"));
        Assert.Equal(new[] { "tool_calls" }, activity.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal(100, activity.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(20, activity.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal("generation", activity.GetTagItem("zespan.entity.log_type"));
        Assert.Equal("user-1", activity.GetTagItem("zespan.customer_params.customer_identifier"));
        Assert.Equal("session-9", activity.GetTagItem("zespan.threads.thread_identifier"));
        Assert.Equal("session-9", activity.GetTagItem("gen_ai.conversation.id"));
        Assert.Equal("staging", activity.GetTagItem("zespan.environment"));
        Assert.Equal("support", activity.GetTagItem("zespan.tags.team"));
        Assert.Equal(0.9, activity.GetTagItem("zespan.eval_scores.relevance"));
        Assert.Equal("{\"prompt.name\":\"support-reply\"}", activity.GetTagItem("zespan.metadata"));
        Assert.Equal("[{\"type\":\"text\",\"content\":\"Be brief.\"}]", activity.GetTagItem("gen_ai.system_instructions"));
        var input = JsonNode.Parse((string)activity.GetTagItem("gen_ai.input.messages")!)!.AsArray();
        Assert.Equal(2, input.Count);
        Assert.Equal("Where is order 42?", (string?)input[0]!["parts"]![0]!["content"]);
        Assert.Equal("tool_call_response", (string?)input[1]!["parts"]![0]!["type"]);
        Assert.Equal("call_1", (string?)input[1]!["parts"]![0]!["id"]);
        var output = JsonNode.Parse((string)activity.GetTagItem("gen_ai.output.messages")!)!.AsArray();
        Assert.Equal("tool_calls", (string?)output[0]!["finish_reason"]);
        Assert.Equal(42, (int)output[0]!["parts"]![0]!["arguments"]!["id"]!);
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
    }

    [Fact]
    public void Enrich_ContentNotAllowed_RecordsNoMessageText()
    {
        using var activity = new Activity("test").Start();

        GenAiTelemetry.Enrich(activity, Generation(), includeContent: false);

        Assert.Null(activity.GetTagItem("gen_ai.input.messages"));
        Assert.Null(activity.GetTagItem("gen_ai.output.messages"));
        Assert.Null(activity.GetTagItem("gen_ai.system_instructions"));
        Assert.Equal(100, activity.GetTagItem("gen_ai.usage.input_tokens"));
    }

    [Fact]
    public void Enrich_Error_SetsErrorTypeAndStatus()
    {
        using var activity = new Activity("test").Start();
        var e = Generation();
        e.StatusCode = 429;
        e.Error = new ZespanError("rate_limit_error", "slow down");

        GenAiTelemetry.Enrich(activity, e, includeContent: false);

        Assert.Equal("rate_limit_error", activity.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal("slow down", activity.StatusDescription);
    }

    public static TheoryData<string, string, string> SpanKinds => new()
    {
        { LogTypes.Agent, "invoke_agent", "invoke_agent triage" },
        { LogTypes.Tool, "execute_tool", "execute_tool lookup_order" },
        { LogTypes.Handoff, "handoff", "handoff" },
        { LogTypes.Plan, "plan", "plan" },
        { LogTypes.Guardrail, "guardrail", "guardrail" },
        { LogTypes.Workflow, "workflow", "workflow" },
        { LogTypes.Custom, "custom", "custom" },
        { LogTypes.Embedding, "embeddings", "embeddings text-embedding-3-small" },
    };

    [Theory]
    [MemberData(nameof(SpanKinds))]
    public void Enrich_EachSpanKind_NamesOperationAndActivity(string logType, string operation, string displayName)
    {
        using var activity = new Activity("test").Start();
        var e = new ZespanEvent
        {
            LogType = logType,
            Name = logType,
            Model = logType == LogTypes.Embedding ? "text-embedding-3-small" : null,
            Agent = logType == LogTypes.Agent ? new AgentInfo { Name = "triage" } : null,
            Tool = logType == LogTypes.Tool ? new ToolInfo { Name = "lookup_order", Arguments = JsonValue.Create(1) } : null,
            Handoff = logType == LogTypes.Handoff ? new HandoffInfo("triage", "billing", "refund") : null,
            Plan = logType == LogTypes.Plan ? ["a", "b"] : null,
            Guardrail = logType == LogTypes.Guardrail ? new GuardrailInfo { Phase = "pre", Passed = false, Results = [new GuardrailResult { Policy = "pii", Action = "block" }] } : null,
        };

        GenAiTelemetry.Enrich(activity, e, includeContent: true);

        Assert.Equal(operation, activity.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(displayName, activity.DisplayName);
        Assert.Equal(logType, activity.GetTagItem("zespan.entity.log_type"));
        switch (logType)
        {
            case LogTypes.Agent:
                Assert.Equal("triage", activity.GetTagItem("gen_ai.agent.name"));
                break;
            case LogTypes.Tool:
                Assert.Equal("lookup_order", activity.GetTagItem("gen_ai.tool.name"));
                Assert.Equal("1", activity.GetTagItem("gen_ai.tool.call.arguments"));
                break;
            case LogTypes.Handoff:
                Assert.Equal("billing", activity.GetTagItem("zespan.handoff.to"));
                break;
            case LogTypes.Plan:
                Assert.Equal(new[] { "a", "b" }, activity.GetTagItem("zespan.plan"));
                break;
            case LogTypes.Guardrail:
                Assert.Equal(false, activity.GetTagItem("zespan.guardrail.passed"));
                Assert.Equal(new[] { "pii:block:failed" }, activity.GetTagItem("zespan.guardrail.results"));
                break;
        }
    }

    [Fact]
    public void RecordMetrics_ModelCall_RecordsTokensAndDuration()
    {
        var measurements = new List<(string Name, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Zespan" && instrument.Name.StartsWith("gen_ai.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(measurements, i.Name, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(measurements, i.Name, v, tags));
        listener.Start();

        GenAiTelemetry.RecordMetrics(Generation());

        // Other tests may record concurrently: look only at this call's model.
        var mine = measurements.Where(m => Equals(m.Tags.GetValueOrDefault("gen_ai.response.model"), "claude-haiku-4-5-20251001")).ToList();
        var duration = Assert.Single(mine, m => m.Name == "gen_ai.client.operation.duration");
        Assert.Equal(1.5, duration.Value);
        Assert.Equal("chat", duration.Tags["gen_ai.operation.name"]);
        Assert.Equal("anthropic", duration.Tags["gen_ai.provider.name"]);
        var input = Assert.Single(mine, m => m.Name == "gen_ai.client.token.usage" && Equals(m.Tags["gen_ai.token.type"], "input"));
        Assert.Equal(100, input.Value);
        var output = Assert.Single(mine, m => m.Name == "gen_ai.client.token.usage" && Equals(m.Tags["gen_ai.token.type"], "output"));
        Assert.Equal(20, output.Value);
    }

    [Fact]
    public void RecordMetrics_NotModelCall_RecordsNothing()
    {
        var count = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Zespan" && instrument.Name.StartsWith("gen_ai.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == "gen_ai.request.model" && Equals(t.Value, "never-a-model-call"))
                {
                    Interlocked.Increment(ref count);
                }
            }
        });
        listener.Start();

        GenAiTelemetry.RecordMetrics(new ZespanEvent { LogType = LogTypes.Tool, Model = "never-a-model-call", Latency = 1 });

        Assert.Equal(0, count);
    }

    private static void Record(List<(string, double, Dictionary<string, object?>)> into, string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dict = new Dictionary<string, object?>();
        foreach (var t in tags)
        {
            dict[t.Key] = t.Value;
        }

        lock (into)
        {
            into.Add((name, value, dict));
        }
    }
}
