using System.Diagnostics;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Tracing;

public class SamplingTests
{
    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(1.0, 10_000)]
    public void IsSampled_EdgeRates_NoneOrAll(double rate, int expected)
    {
        var random = new Random(1234);
        var kept = 0;
        for (var i = 0; i < 10_000; i++)
        {
            kept += TraceSampler.IsSampled(RandomTraceId(random), rate) ? 1 : 0;
        }

        Assert.Equal(expected, kept);
    }

    [Theory]
    [InlineData(0.5, 4_700, 5_300)]
    [InlineData(0.1, 850, 1_150)]
    [InlineData(0.9, 8_850, 9_150)]
    public void IsSampled_FractionalRate_KeepsThatShareOfSeededTraceIds(double rate, int min, int max)
    {
        // Seeded ids: the count is fixed for a given seed (no flakiness); the bounds are > 5 standard deviations.
        var random = new Random(20261121);
        var kept = 0;
        for (var i = 0; i < 10_000; i++)
        {
            kept += TraceSampler.IsSampled(RandomTraceId(random), rate) ? 1 : 0;
        }

        Assert.InRange(kept, min, max);
    }

    [Fact]
    public void IsSampled_IdsWithTimestampPrefix_StillUniform()
    {
        // Ids whose first half is a clock (as some tracers make them) must not all fall on one side.
        var random = new Random(7);
        var kept = 0;
        for (var i = 0; i < 10_000; i++)
        {
            kept += TraceSampler.IsSampled(new RawTraceId(0x6543210000000000UL + (ulong)i, (ulong)random.NextInt64()), 0.5) ? 1 : 0;
        }

        Assert.InRange(kept, 4_700, 5_300);
    }

    [Fact]
    public void IsSampled_SameTraceId_SameDecisionEverywhere()
    {
        var random = new Random(99);
        for (var i = 0; i < 1_000; i++)
        {
            var id = RandomTraceId(random);
            var activityId = RawIds.ToActivityTraceId(id);
            Assert.Equal(TraceSampler.IsSampled(id, 0.3), TraceSampler.IsSampled(activityId, 0.3));
            Assert.Equal(TraceSampler.IsSampled(id, 0.3), TraceSampler.IsSampled(RawIds.From(activityId), 0.3));
        }
    }

    [Fact]
    public void StartSpan_RateZero_NothingRecordedAndChildrenInherit()
    {
        using var harness = ZespanTestHost.CreateTracing(("SampleRate", "0"));

        using (var root = harness.Tracer.StartSpan("root"))
        {
            Assert.False(root.IsRecording);
            Assert.Equal(new string('0', 32), root.TraceId);
            root.SetTag("k", "v");
            root.SetMetadata("m", 1);
            harness.SetOption("SampleRate", "1");
            using var child = harness.Tracer.StartSpan("child");
            Assert.False(child.IsRecording);
            using var grandchild = harness.Tracer.StartSpan("grandchild");
            Assert.False(grandchild.IsRecording);
            harness.Tracer.LogGeneration(new GenerationLog { Model = "m" });
            using var agent = harness.Tracer.StartAgent("agent");
            Assert.Equal(7, agent.TraceTool("tool", null, () => 7));
        }

        Assert.Empty(harness.Events);
        using (harness.Tracer.StartSpan("after"))
        {
        }

        Assert.Single(harness.Events);
    }

    [Fact]
    public void StartSpan_RateOne_EverythingRecorded()
    {
        using var harness = ZespanTestHost.CreateTracing(("SampleRate", "1"));

        for (var i = 0; i < 100; i++)
        {
            using var root = harness.Tracer.StartSpan("root");
            using var child = harness.Tracer.StartSpan("child");
        }

        Assert.Equal(200, harness.Events.Count);
    }

    [Fact]
    public void StartSpan_RateHalf_EachTraceWholeOrAbsent()
    {
        using var harness = ZespanTestHost.CreateTracing(("SampleRate", "0.5"));

        for (var i = 0; i < 400; i++)
        {
            using var root = harness.Tracer.StartSpan("root");
            using (harness.Tracer.StartSpan("child"))
            {
                harness.Tracer.LogGeneration(new GenerationLog { Model = "m" });
            }

            using var agent = harness.Tracer.StartAgent("agent");
            agent.TraceTool("tool", null, () => 1);
            agent.LogPlan(["step"]);
        }

        var traces = harness.Events.GroupBy(e => e.TraceId).ToList();
        Assert.All(traces, t => Assert.Equal(6, t.Count()));
        Assert.InRange(traces.Count, 120, 280);
        Assert.All(traces, t => Assert.True(TraceSampler.IsSampled(t.Key, 0.5)));
    }

    [Fact]
    public void StartSpan_UnderActivity_DecisionFollowsActivityTraceId()
    {
        using var harness = ZespanTestHost.CreateTracing(("SampleRate", "0.5"));
        var decisions = new List<(ActivityTraceId TraceId, bool Recorded)>();

        for (var i = 0; i < 200; i++)
        {
            using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
            using var span = harness.Tracer.StartSpan("span");
            decisions.Add((activity.TraceId, span.IsRecording));
        }

        Assert.All(decisions, d => Assert.Equal(TraceSampler.IsSampled(d.TraceId, 0.5), d.Recorded));
        Assert.Contains(decisions, d => d.Recorded);
        Assert.Contains(decisions, d => !d.Recorded);
    }

    [Fact]
    public void StartSpan_SampleRateChangedAtRuntime_NewTracesFollowIt()
    {
        using var harness = ZespanTestHost.CreateTracing(("SampleRate", "1"));

        using (harness.Tracer.StartSpan("kept"))
        {
        }

        harness.SetOption("SampleRate", "0");
        using (harness.Tracer.StartSpan("dropped"))
        {
        }

        harness.SetOption("SampleRate", "1");
        using (harness.Tracer.StartSpan("kept-again"))
        {
        }

        Assert.Equal(["kept", "kept-again"], harness.Events.Select(e => e.Name));
    }

    private static RawTraceId RandomTraceId(Random random) => new((ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63), (ulong)random.NextInt64());
}
