using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Tests.Providers;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Diagnostics;

[Collection(ActivityListenerCollection.Name)]
public sealed class ZespanActivitiesTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public ZespanActivitiesTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Zespan",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _stopped.Enqueue(a),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Spans_EveryKind_AreActivitiesWithIdsAndAttributes()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), (s, _) => s.AddHttpClient("openai").AddZespanOpenAI());
        var tracer = h.Services.GetRequiredService<IZespanTracer>();
        var context = h.Services.GetRequiredService<IZespanContextAccessor>();
        var marker = "act-" + Guid.NewGuid().ToString("N")[..8];
        string workflowSpanId;

        using (context.BeginScope(userId: "u-1", sessionId: "s-1"))
        using (var workflow = tracer.StartSpan(marker))
        {
            workflowSpanId = workflow.SpanId;
            Assert.Equal(workflow.SpanId, Activity.Current!.SpanId.ToHexString());
            workflow.SetEvalScore("relevance", 0.75);
            using (var agent = tracer.StartAgent(marker + "-agent", tools: [new AgentTool("lookup", "finds orders")]))
            {
                agent.LogPlan(["look up", "answer"]);
                agent.TraceTool("lookup", new { id = 42 }, () => "shipped");
                agent.DelegateTo("billing", "refund");
                var client = h.Factory.CreateClient("openai");
                var response = await client.PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"""));
                await response.Content.ReadAsStringAsync();
            }
        }

        var events = await h.FlushAsync();
        var mine = _stopped.Where(a => a.TraceId.ToHexString() == (string?)events[0]["trace_id"]).ToList();
        var workflowActivity = Assert.Single(mine, a => (string?)a.GetTagItem("zespan.entity.log_type") == "workflow");
        Assert.Equal(workflowSpanId, workflowActivity.SpanId.ToHexString());
        Assert.Equal(0.75, workflowActivity.GetTagItem("zespan.eval_scores.relevance"));
        Assert.Equal("u-1", workflowActivity.GetTagItem("zespan.customer_params.customer_identifier"));
        var agentActivity = Assert.Single(mine, a => (string?)a.GetTagItem("zespan.entity.log_type") == "agent");
        Assert.Equal("invoke_agent " + marker + "-agent", agentActivity.DisplayName);
        Assert.Equal(workflowActivity.SpanId, agentActivity.ParentSpanId);
        var tool = Assert.Single(mine, a => (string?)a.GetTagItem("zespan.entity.log_type") == "tool");
        Assert.Equal("execute_tool lookup", tool.DisplayName);
        Assert.Equal(agentActivity.SpanId, tool.ParentSpanId);
        Assert.Single(mine, a => (string?)a.GetTagItem("zespan.entity.log_type") == "plan");
        Assert.Equal("billing", Assert.Single(mine, a => (string?)a.GetTagItem("zespan.entity.log_type") == "handoff").GetTagItem("zespan.handoff.to"));
        var generation = Assert.Single(mine, a => (string?)a.GetTagItem("zespan.entity.log_type") == "generation");
        Assert.Equal(ActivityKind.Client, generation.Kind);
        Assert.Equal("chat gpt-4o-mini", generation.DisplayName);
        Assert.Equal(agentActivity.SpanId, generation.ParentSpanId);
        Assert.Equal("gpt-4o-mini-2024-07-18", generation.GetTagItem("gen_ai.response.model"));
        Assert.Equal(8, generation.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal("s-1", generation.GetTagItem("gen_ai.conversation.id"));

        // The events and the activities share ids.
        var spanIds = events.Select(e => (string?)e["span_id"]).ToHashSet();
        Assert.All(mine, a => Assert.Contains(a.SpanId.ToHexString(), spanIds));
    }

    [Fact]
    public async Task LogGeneration_WithListener_RecordsActivityWithRedactedContent()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), (_, _) => { }, o => o.OtelCaptureContent = true);
        var tracer = h.Services.GetRequiredService<IZespanTracer>();
        var model = "logged-" + Guid.NewGuid().ToString("N")[..8];

        tracer.LogGeneration(new GenerationLog
        {
            Model = model,
            Provider = "openai",
            PromptMessages = [new LlmMessage("user", "my api_key=sk-live-123 please")],
            CompletionMessage = new LlmMessage("assistant", "ok"),
            PromptTokens = 3,
            CompletionTokens = 1,
        });

        var activity = Assert.Single(_stopped, a => (string?)a.GetTagItem("gen_ai.request.model") == model);
        var input = (string)activity.GetTagItem("gen_ai.input.messages")!;
        Assert.Contains("[REDACTED]", input, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-live-123", input, StringComparison.Ordinal);
        Assert.Equal(3, activity.GetTagItem("gen_ai.usage.input_tokens"));
        await h.FlushAsync();
    }

    [Fact]
    public async Task Complete_EventThatIsAlreadyAParent_KeepsItsSpanIdForItsChildren()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), (_, _) => { });
        var tracer = h.Services.GetRequiredService<Zespan.Extensions.Tracing.Internal.ZespanTracer>();
        Assert.True(tracer.TryStartEvent(LogTypes.Generation, "parent-" + Guid.NewGuid().ToString("N")[..8], out var parent));
        Assert.True(tracer.TryStartChildEvent(parent, LogTypes.Guardrail, "guardrail.pre", out var child));
        tracer.Complete(child);
        var spanId = parent.SpanId;

        tracer.Complete(parent);

        Assert.Equal(spanId, parent.SpanId);
        var events = await h.FlushAsync();
        Assert.Equal((string?)events.Single(e => (string?)e["log_type"] == "generation")["span_id"], (string?)events.Single(e => (string?)e["log_type"] == "guardrail")["parent_span_id"]);
        Assert.Contains(_stopped, a => a.DisplayName.StartsWith("chat", StringComparison.Ordinal) || (string?)a.GetTagItem("zespan.entity.log_type") == "generation");
    }
}
