using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Tracing;

/// <summary>The internal event API the provider handlers and the IChatClient middleware use.</summary>
public class ZespanTracerInternalApiTests
{
    [Fact]
    public void TryStartEvent_InsideSpanAndScope_FillsIdsEnvironmentContextAndStart()
    {
        using var harness = ZespanTestHost.CreateTracing(("Environment", "test"));
        using var scope = harness.Context.BeginScope("u1", "s1", new Dictionary<string, string> { ["team"] = "x" }, "u1@example.com", "User One");
        using var span = harness.Tracer.StartSpan("workflow");
        var start = harness.Time.GetUtcNow();

        Assert.True(harness.Internal.TryStartEvent(LogTypes.Generation, "openai.chat.completions", out var item));
        item!.Model = "gpt-4o";
        item.Tags = new Dictionary<string, string>(item.Tags!) { ["provider_tag"] = "1" };
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), harness.Internal.GetElapsed(item));
        harness.Internal.Complete(item);

        Assert.Same(item, Assert.Single(harness.Events));
        Assert.Equal(span.TraceId, item.TraceId.ToHexString());
        Assert.Equal(span.SpanId, item.ParentSpanId!.Value.ToHexString());
        Assert.Equal(LogTypes.Generation, item.LogType);
        Assert.Equal("test", item.Environment);
        Assert.Equal("u1", item.CustomerIdentifier);
        Assert.Equal("s1", item.ThreadIdentifier);
        Assert.Equal("u1@example.com", item.CustomerEmail);
        Assert.Equal("User One", item.CustomerName);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "x", ["provider_tag"] = "1" }, item.Tags);
        Assert.Equal(start, item.StartTime);
        Assert.Equal(start.AddSeconds(2), item.EndTime);
        Assert.Equal(2, item.Latency);
    }

    [Fact]
    public void TryStartEvent_NoSpan_IsRootOfNewTrace()
    {
        using var harness = ZespanTestHost.CreateTracing();

        Assert.True(harness.Internal.TryStartEvent(LogTypes.Embedding, "openai.embeddings", out var item));

        Assert.Null(item!.ParentSpanId);
        Assert.NotEqual(default, item.TraceId);
        Assert.Empty(harness.Events);
    }

    [Theory]
    [InlineData("Enabled", "false")]
    [InlineData("DisableTracing", "true")]
    [InlineData("SampleRate", "0")]
    public void TryStartEvent_NotRecording_ReturnsFalse(string setting, string value)
    {
        using var harness = ZespanTestHost.CreateTracing((setting, value));

        Assert.False(harness.Internal.TryStartEvent(LogTypes.Generation, "x", out var item));
        Assert.Null(item);
    }

    [Fact]
    public void TryStartEvent_UnderSampledOutSpan_ReturnsFalse()
    {
        using var harness = ZespanTestHost.CreateTracing(("SampleRate", "0"));
        using var span = harness.Tracer.StartSpan("root");
        harness.SetOption("SampleRate", "1");

        Assert.False(harness.Internal.TryStartEvent(LogTypes.Generation, "x", out _));
    }

    [Fact]
    public void TryStartChildEvent_IsChildOfGivenEvent()
    {
        using var harness = ZespanTestHost.CreateTracing();
        Assert.True(harness.Internal.TryStartEvent(LogTypes.Generation, "call", out var generation));

        Assert.True(harness.Internal.TryStartChildEvent(generation!, LogTypes.Guardrail, "guardrail.pre", out var guardrail));
        harness.Internal.Complete(guardrail!);
        harness.Internal.Complete(generation!);

        Assert.Equal(generation!.TraceId, guardrail!.TraceId);
        Assert.Equal(generation.SpanId, guardrail.ParentSpanId);
        Assert.Equal(2, harness.Events.Count);
    }

    [Fact]
    public void Complete_QueueThrows_DoesNotThrow()
    {
        using var harness = ZespanTestHost.CreateTracing();
        harness.Queue.OnEnqueue = _ => throw new InvalidOperationException("queue broken");

        using (harness.Tracer.StartSpan("span"))
        {
        }

        harness.Tracer.LogGeneration(new GenerationLog { Model = "m" });
        Assert.Empty(harness.Events);
    }
}
