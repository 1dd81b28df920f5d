using System.Text.Json.Nodes;
using Zespan.Extensions.Tests.Tracing;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Agents;

public class AgentContextTests
{
    [Fact]
    public void StartAgent_RecordsAgentEventWithInfoAndCopiedTools()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var tools = new List<AgentTool> { new("lookup_order", "Finds an order") };

        using (var agent = harness.Tracer.StartAgent("support", "triage", "semantic-kernel", tools))
        {
            tools.Add(new AgentTool("later", "added after start"));
            agent.Span.SetTag("k", "v");
        }

        var item = harness.Single("support");
        Assert.Equal(LogTypes.Agent, item.LogType);
        Assert.Equal("support", item.Agent!.Name);
        Assert.Equal("triage", item.Agent.Role);
        Assert.Equal("semantic-kernel", item.Agent.Framework);
        Assert.Equal([new AgentTool("lookup_order", "Finds an order")], item.Agent.Tools);
        Assert.Equal("v", item.Tags!["k"]);
    }

    [Fact]
    public void StartAgent_DefaultsAndInsideSpan_IsAgentChildOfSpan()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Tracer.StartSpan("workflow"))
        {
            using var agent = harness.Tracer.StartAgent("researcher");
            using (harness.Tracer.StartSpan("inside-agent"))
            {
            }
        }

        var workflow = harness.Single("workflow");
        var agentEvent = harness.Single("researcher");
        Assert.Equal(LogTypes.Agent, agentEvent.LogType);
        Assert.Equal(workflow.SpanId, agentEvent.ParentSpanId);
        Assert.Equal("specialist", agentEvent.Agent!.Role);
        Assert.Equal("custom", agentEvent.Agent.Framework);
        Assert.Null(agentEvent.Agent.Tools);
        Assert.Equal(agentEvent.SpanId, harness.Single("inside-agent").ParentSpanId);
        Assert.Equal(LogTypes.Custom, harness.Single("inside-agent").LogType);
    }

    [Fact]
    public void LogPlanAndDelegateTo_RecordChildEvents()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var steps = new List<string> { "search", "answer" };

        using (var agent = harness.Tracer.StartAgent("planner"))
        {
            agent.LogPlan(steps);
            steps.Add("added later");
            agent.DelegateTo("writer", "needs prose");
        }

        var agentEvent = harness.Events.Single(e => e.LogType == LogTypes.Agent);
        var plan = harness.Events.Single(e => e.LogType == LogTypes.Plan);
        var handoff = harness.Events.Single(e => e.LogType == LogTypes.Handoff);
        Assert.Equal(["search", "answer"], plan.Plan);
        Assert.Equal(agentEvent.SpanId, plan.ParentSpanId);
        Assert.Equal(agentEvent.TraceId, plan.TraceId);
        Assert.Equal(new HandoffInfo("planner", "writer", "needs prose"), handoff.Handoff);
        Assert.Equal(agentEvent.SpanId, handoff.ParentSpanId);
        Assert.Equal("planner", plan.Name);
    }

    [Fact]
    public void TraceTool_RecordsArgumentsAndResultSnapshots_AndNestsCallsInside()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var arguments = new Dictionary<string, object?> { ["order_id"] = "A-1" };
        var result = new List<string> { "shipped" };

        using (var agent = harness.Tracer.StartAgent("support"))
        {
            var returned = agent.TraceTool("lookup_order", arguments, () =>
            {
                harness.Tracer.LogGeneration(new GenerationLog { Model = "m", Name = "inner-llm" });
                using (harness.Tracer.StartSpan("inner-span"))
                {
                }

                return result;
            });
            Assert.Same(result, returned);
            arguments["order_id"] = "changed";
            result.Add("changed");
            using (harness.Tracer.StartSpan("after-tool"))
            {
            }
        }

        var agentEvent = harness.Single("support");
        var tool = harness.Single("lookup_order");
        Assert.Equal(LogTypes.Tool, tool.LogType);
        Assert.Equal(agentEvent.SpanId, tool.ParentSpanId);
        Assert.Equal("lookup_order", tool.Tool!.Name);
        Assert.Equal("""{"order_id":"A-1"}""", tool.Tool.Arguments!.ToJsonString());
        Assert.Equal("""["shipped"]""", tool.Tool.Result!.ToJsonString());
        Assert.Equal(200, tool.StatusCode);
        Assert.Equal(tool.SpanId, harness.Single("inner-llm").ParentSpanId);
        Assert.Equal(tool.SpanId, harness.Single("inner-span").ParentSpanId);
        Assert.Equal(agentEvent.SpanId, harness.Single("after-tool").ParentSpanId);
    }

    [Fact]
    public void TraceTool_ToolThrows_PropagatesSameExceptionAndRecordsError()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var thrown = new KeyNotFoundException("no such order");

        using (var agent = harness.Tracer.StartAgent("support"))
        {
            var caught = Assert.Throws<KeyNotFoundException>(() => agent.TraceTool<string>("lookup_order", new { id = 1 }, () => throw thrown));
            Assert.Same(thrown, caught);
            Assert.Contains(nameof(TraceTool_ToolThrows_PropagatesSameExceptionAndRecordsError), caught.StackTrace, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => agent.TraceTool("void_tool", null, () => throw new InvalidOperationException("v")));
        }

        var tool = harness.Single("lookup_order");
        Assert.Equal(500, tool.StatusCode);
        Assert.Equal("System.Collections.Generic.KeyNotFoundException", tool.Error!.Type);
        Assert.Equal("no such order", tool.Error.Message);
        Assert.Null(tool.Tool!.Result);
        Assert.Equal("""{"id":1}""", tool.Tool.Arguments!.ToJsonString());
        Assert.Equal(500, harness.Single("void_tool").StatusCode);
        Assert.Equal(200, harness.Single("support").StatusCode);
    }

    [Fact]
    public async Task TraceToolAsync_RecordsResultAndErrors_AndLeavesCallerContextAlone()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var thrown = new TimeoutException("slow");

        using (var agent = harness.Tracer.StartAgent("support"))
        {
            var value = await agent.TraceToolAsync("search", "query text", async () =>
            {
                await Task.Yield();
                using (harness.Tracer.StartSpan("in-async-tool"))
                {
                }

                return 5;
            });
            Assert.Equal(5, value);
            var caught = await Assert.ThrowsAsync<TimeoutException>(() => agent.TraceToolAsync<int>("fail", null, async () =>
            {
                await Task.Yield();
                throw thrown;
            }));
            Assert.Same(thrown, caught);
            await agent.TraceToolAsync("void_async", null, () => Task.CompletedTask);
            Task<int>? faulted = null;
            Assert.Null(Record.Exception(() => { faulted = agent.TraceToolAsync<int>("sync_throw", null, () => throw thrown); }));
            Assert.Same(thrown, await Assert.ThrowsAsync<TimeoutException>(() => faulted!));
            using (harness.Tracer.StartSpan("after"))
            {
            }
        }

        var agentEvent = harness.Single("support");
        var search = harness.Single("search");
        Assert.Equal("\"query text\"", search.Tool!.Arguments!.ToJsonString());
        Assert.Equal("5", search.Tool.Result!.ToJsonString());
        Assert.Equal(search.SpanId, harness.Single("in-async-tool").ParentSpanId);
        Assert.Equal(500, harness.Single("fail").StatusCode);
        Assert.Equal(200, harness.Single("void_async").StatusCode);
        Assert.Equal(500, harness.Single("sync_throw").StatusCode);
        Assert.Equal(agentEvent.SpanId, harness.Single("after").ParentSpanId);
    }

    [Fact]
    public async Task TraceTool_TypeInfoOverloads_UseSourceGeneratedJson()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (var agent = harness.Tracer.StartAgent("support"))
        {
            var quantity = agent.TraceTool("sync", new OrderInfo("A", 2), o => o.Quantity * 2, TestJsonContext.Default.OrderInfo, TestJsonContext.Default.Int32);
            var id = await agent.TraceToolAsync("async", new OrderInfo("B", 1), o => Task.FromResult(o.Id), TestJsonContext.Default.OrderInfo, TestJsonContext.Default.String);
            Assert.Equal(4, quantity);
            Assert.Equal("B", id);
        }

        Assert.Equal("""{"id":"A","quantity":2}""", harness.Single("sync").Tool!.Arguments!.ToJsonString());
        Assert.Equal("4", harness.Single("sync").Tool!.Result!.ToJsonString());
        Assert.Equal("\"B\"", harness.Single("async").Tool!.Result!.ToJsonString());
    }

    [Fact]
    public void AgentMembers_AfterDispose_IgnoredButToolsStillRun()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var agent = harness.Tracer.StartAgent("done");
        agent.Dispose();

        agent.LogPlan(["x"]);
        agent.DelegateTo("other", "late");
        Assert.Equal(9, agent.TraceTool("late_tool", null, () => 9));
        agent.Dispose();

        Assert.Equal("done", Assert.Single(harness.Events).Name);
    }

    [Fact]
    public void Agent_ExposesIdsOfItsSpan()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (var agent = harness.Tracer.StartAgent("ids"))
        {
            Assert.True(agent.IsRecording);
            Assert.Equal(agent.Span.TraceId, agent.TraceId);
            Assert.Equal(agent.Span.SpanId, agent.SpanId);
        }

        Assert.Equal(harness.Single("ids").SpanId.ToHexString(), harness.Events[0].SpanId.ToHexString());
    }

    [Fact]
    public void TraceTool_SampledOutAgent_RunsToolAndRecordsNothingInside()
    {
        using var harness = ZespanTestHost.CreateTracing(("SampleRate", "0"));

        using (var agent = harness.Tracer.StartAgent("sampled-out"))
        {
            harness.SetOption("SampleRate", "1");
            var value = agent.TraceTool("tool", JsonNode.Parse("""{"a":1}"""), () =>
            {
                harness.Tracer.LogGeneration(new GenerationLog { Model = "m" });
                return 1;
            });
            Assert.Equal(1, value);
            agent.LogPlan(["p"]);
        }

        Assert.Empty(harness.Events);
    }
}
