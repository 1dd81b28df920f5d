using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Context.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Filtering.Internal;
using Zespan.Extensions.Redaction.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Tracing;

public class DisabledTracingTests
{
    [Fact]
    public void AddZespan_Enabled_RegistersTracerContextAndProcessorsOnce()
    {
        var services = new ServiceCollection();
        services.AddZespan(o => o.ApiKey = "zsp_test_key_123");
        services.AddZespan(o => o.ApiKey = "zsp_test_key_123");
        services.AddSingleton<IZespanEventQueue>(new CollectingEventQueue());
        using var provider = services.BuildServiceProvider();

        Assert.IsType<ZespanTracer>(provider.GetRequiredService<IZespanTracer>());
        Assert.Same(provider.GetRequiredService<ZespanTracer>(), provider.GetRequiredService<IZespanTracer>());
        Assert.IsType<ZespanContextAccessor>(provider.GetRequiredService<IZespanContextAccessor>());
        var processors = provider.GetServices<IZespanEventProcessor>().OrderBy(p => p.Order).ToList();
        Assert.Collection(processors, p => Assert.IsType<ExportFilterProcessor>(p), p => Assert.IsType<RedactionProcessor>(p));
        Assert.True(processors[0].Order < processors[1].Order);
        Assert.NotNull(provider.GetRequiredService<Zespan.Extensions.Events.Internal.EventLifecycle>());
    }

    [Fact]
    public void NonRecording_WhatADisabledTracerReturns_RecordsNothingAndIgnoresEveryCall()
    {
        using var harness = ZespanTestHost.CreateTracing(("Enabled", "false"), ("ApiKey", null));

        var span = ZespanSpan.NonRecording;
        span.SetTag("k", "v");
        span.SetMetadata("m", 1);
        span.SetEvalScore("relevance", 0.5);
        span.RecordException(new InvalidOperationException("ignored"));
        span.Dispose();
        span.Dispose();

        Assert.Same(span, harness.Tracer.StartSpan("disabled"));
        Assert.False(span.IsRecording);
        Assert.Equal(new string('0', 32), span.TraceId);
        Assert.Equal(new string('0', 16), span.SpanId);
    }

    [Fact]
    public void AddZespan_Disabled_ResolvesNoOps()
    {
        using var harness = ZespanTestHost.CreateTracing(("Enabled", "false"), ("ApiKey", null));

        Assert.IsType<NoOpZespanTracer>(harness.Tracer);
        Assert.IsType<NoOpZespanContextAccessor>(harness.Context);
        using var scope = harness.Context.BeginScope("user");
        Assert.Null(harness.Context.Current);
        Assert.False(harness.Internal.TryStartEvent(LogTypes.Generation, "x", out _));
    }

    [Theory]
    [InlineData("Enabled", "false")]
    [InlineData("DisableTracing", "true")]
    public void StartSpan_Disabled_SharedNoOpSpanAndNothingEnqueued(string setting, string value)
    {
        using var harness = ZespanTestHost.CreateTracing((setting, value));

        var first = harness.Tracer.StartSpan("a");
        var second = harness.Tracer.StartSpan("b");
        first.SetTag("k", "v");
        first.SetMetadata("m", new { x = 1 });
        first.SetEvalScore("s", 1);
        first.RecordException(new InvalidOperationException());
        first.Dispose();
        second.Dispose();

        Assert.Same(first, second);
        Assert.False(first.IsRecording);
        Assert.Equal(new string('0', 16), first.SpanId);
        Assert.Empty(harness.Events);
    }

    [Theory]
    [InlineData("Enabled", "false")]
    [InlineData("DisableTracing", "true")]
    public async Task StartAgent_Disabled_ToolsStillRunAndThrow(string setting, string value)
    {
        using var harness = ZespanTestHost.CreateTracing((setting, value));
        using var agent = harness.Tracer.StartAgent("planner", tools: [new AgentTool("lookup", "finds")]);
        var thrown = new InvalidOperationException("tool failed");

        Assert.Equal(3, agent.TraceTool("add", new { a = 1, b = 2 }, () => 3));
        Assert.Equal("x", await agent.TraceToolAsync("async", null, () => Task.FromResult("x")));
        Assert.Same(thrown, Assert.Throws<InvalidOperationException>(() => agent.TraceTool<int>("bad", null, () => throw thrown)));
        Task<int>? faulted = null;
        Assert.Null(Record.Exception(() => { faulted = agent.TraceToolAsync<int>("sync-throw", null, () => throw thrown); }));
        Assert.Same(thrown, await Assert.ThrowsAsync<InvalidOperationException>(() => faulted!));
        agent.LogPlan(["a"]);
        agent.DelegateTo("other", "because");

        Assert.Equal("planner", agent.Name);
        Assert.False(agent.IsRecording);
        Assert.Empty(harness.Events);
    }

    [Fact]
    public void StartSpan_DisableTracingTurnedOffAtRuntime_RecordsAgain()
    {
        using var harness = ZespanTestHost.CreateTracing(("DisableTracing", "true"));

        using (harness.Tracer.StartSpan("off"))
        {
        }

        harness.SetOption("DisableTracing", "false");
        using (harness.Tracer.StartSpan("on"))
        {
        }

        harness.SetOption("DisableTracing", "true");
        using (harness.Tracer.StartSpan("off-again"))
        {
        }

        Assert.Equal("on", Assert.Single(harness.Events).Name);
    }
}
