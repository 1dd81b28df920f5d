using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Tracing;

public class ZespanSpanTests
{
    [Fact]
    public void StartSpan_NoParent_IsWorkflowRootOfNewTrace()
    {
        using var harness = ZespanTestHost.CreateTracing(("Environment", "staging"));

        string traceId, spanId;
        using (var span = harness.Tracer.StartSpan("rag-pipeline"))
        {
            traceId = span.TraceId;
            spanId = span.SpanId;
            Assert.True(span.IsRecording);
        }

        var item = harness.Single("rag-pipeline");
        Assert.Equal(LogTypes.Workflow, item.LogType);
        Assert.Null(item.ParentSpanId);
        Assert.Equal(traceId, item.TraceId.ToHexString());
        Assert.Equal(spanId, item.SpanId.ToHexString());
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Matches("^[0-9a-f]{16}$", spanId);
        Assert.NotEqual(new string('0', 32), traceId);
        Assert.Equal("staging", item.Environment);
        Assert.Equal(200, item.StatusCode);
        Assert.Null(item.Error);
    }

    [Fact]
    public void StartSpan_InsideSpans_IsCustomChildOfInnermost()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Tracer.StartSpan("outer"))
        {
            using (harness.Tracer.StartSpan("middle"))
            {
                using (harness.Tracer.StartSpan("inner"))
                {
                }
            }

            using (harness.Tracer.StartSpan("sibling"))
            {
            }
        }

        var outer = harness.Single("outer");
        var middle = harness.Single("middle");
        var inner = harness.Single("inner");
        var sibling = harness.Single("sibling");
        Assert.Equal(LogTypes.Workflow, outer.LogType);
        Assert.All(new[] { middle, inner, sibling }, e => Assert.Equal(LogTypes.Custom, e.LogType));
        Assert.All(new[] { middle, inner, sibling }, e => Assert.Equal(outer.TraceId, e.TraceId));
        Assert.Equal(outer.SpanId, middle.ParentSpanId);
        Assert.Equal(middle.SpanId, inner.ParentSpanId);
        Assert.Equal(outer.SpanId, sibling.ParentSpanId);
    }

    [Fact]
    public void StartSpan_AfterRootEnded_StartsNewTrace()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Tracer.StartSpan("first"))
        {
        }

        using (harness.Tracer.StartSpan("second"))
        {
        }

        Assert.NotEqual(harness.Single("first").TraceId, harness.Single("second").TraceId);
        Assert.Equal(LogTypes.Workflow, harness.Single("second").LogType);
    }

    [Fact]
    public void StartSpan_UnderAmbientActivity_JoinsItsTraceButStaysWorkflow()
    {
        using var harness = ZespanTestHost.CreateTracing();
        using var activity = new Activity("aspnet-request").SetIdFormat(ActivityIdFormat.W3C).Start();

        using (harness.Tracer.StartSpan("handler"))
        {
            using (harness.Tracer.StartSpan("step"))
            {
            }
        }

        var handler = harness.Single("handler");
        var step = harness.Single("step");
        Assert.Equal(activity.TraceId, handler.TraceId);
        Assert.Equal(activity.SpanId, handler.ParentSpanId);
        Assert.Equal(LogTypes.Workflow, handler.LogType);
        Assert.Equal(activity.TraceId, step.TraceId);
        Assert.Equal(handler.SpanId, step.ParentSpanId);
        Assert.Equal(LogTypes.Custom, step.LogType);
    }

    [Fact]
    public void StartSpan_HierarchicalActivity_IsIgnored()
    {
        using var harness = ZespanTestHost.CreateTracing();
        using var activity = new Activity("legacy").SetIdFormat(ActivityIdFormat.Hierarchical).Start();

        using (harness.Tracer.StartSpan("span"))
        {
        }

        Assert.Null(harness.Single("span").ParentSpanId);
    }

    [Fact]
    public async Task StartSpan_AcrossAwaitAndTasks_ChildrenOfEnclosingSpan()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Tracer.StartSpan("root"))
        {
            await Task.Yield();
            await Task.WhenAll(
                Task.Run(async () =>
                {
                    await Task.Yield();
                    using var a = harness.Tracer.StartSpan("a");
                    await Task.Delay(1);
                    using var a1 = harness.Tracer.StartSpan("a1");
                }),
                Task.Run(() =>
                {
                    using var b = harness.Tracer.StartSpan("b");
                }));
            using (harness.Tracer.StartSpan("after"))
            {
            }
        }

        var root = harness.Single("root");
        Assert.Equal(root.SpanId, harness.Single("a").ParentSpanId);
        Assert.Equal(harness.Single("a").SpanId, harness.Single("a1").ParentSpanId);
        Assert.Equal(root.SpanId, harness.Single("b").ParentSpanId);
        Assert.Equal(root.SpanId, harness.Single("after").ParentSpanId);
    }

    [Fact]
    public async Task StartSpan_CurrentSpanEndedInAnotherFlow_IsNotUsedAsParent()
    {
        using var harness = ZespanTestHost.CreateTracing();

        var root = harness.Tracer.StartSpan("root");
        await Task.Run(root.Dispose);
        using (harness.Tracer.StartSpan("next"))
        {
        }

        Assert.Null(harness.Single("next").ParentSpanId);
        Assert.Equal(LogTypes.Workflow, harness.Single("next").LogType);
    }

    [Fact]
    public void Dispose_OutOfOrder_OuterSpanIsNotCurrentAnyMore()
    {
        using var harness = ZespanTestHost.CreateTracing();

        var outer = harness.Tracer.StartSpan("outer");
        var inner = harness.Tracer.StartSpan("inner");
        outer.Dispose();
        inner.Dispose();
        using (harness.Tracer.StartSpan("later"))
        {
        }

        Assert.Null(harness.Single("later").ParentSpanId);
    }

    [Fact]
    public void Dispose_SetsEndTimeAndLatencyFromTimeProvider()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var start = harness.Time.GetUtcNow();

        using (harness.Tracer.StartSpan("timed"))
        {
            harness.Time.Advance(TimeSpan.FromMilliseconds(1500));
        }

        var item = harness.Single("timed");
        Assert.Equal(start, item.StartTime);
        Assert.Equal(start.AddMilliseconds(1500), item.EndTime);
        Assert.Equal(1.5, item.Latency, 9);
    }

    [Fact]
    public void Dispose_Twice_EnqueuesOnce()
    {
        using var harness = ZespanTestHost.CreateTracing();

        var span = harness.Tracer.StartSpan("once");
        span.Dispose();
        span.Dispose();

        Assert.Single(harness.Events);
    }

    [Fact]
    public void Set_AfterDispose_IsIgnored()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var span = harness.Tracer.StartSpan("closed");
        span.SetTag("before", "1");
        span.Dispose();

        span.SetTag("after", "2");
        span.SetMetadata("after", 2);
        span.SetEvalScore("after", 0.5);
        span.RecordException(new InvalidOperationException("late"));

        var item = harness.Single("closed");
        Assert.Equal(new Dictionary<string, string> { ["before"] = "1" }, item.Tags);
        Assert.Null(item.Metadata);
        Assert.Null(item.EvalScores);
        Assert.Equal(200, item.StatusCode);
        Assert.Null(item.Error);
    }

    [Fact]
    public void RecordException_Sends500WithTypeAndMessage()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (var span = harness.Tracer.StartSpan("failing"))
        {
            span.RecordException(new TimeoutException("took too long"));
        }

        var item = harness.Single("failing");
        Assert.Equal(500, item.StatusCode);
        Assert.Equal("System.TimeoutException", item.Error!.Type);
        Assert.Equal("took too long", item.Error.Message);
    }

    [Fact]
    public void SetTag_UpToManyTags_MergedOverScopeTagsInnerWins()
    {
        using var harness = ZespanTestHost.CreateTracing();
        using var scope = harness.Context.BeginScope(tags: new Dictionary<string, string> { ["team"] = "scope", ["region"] = "eu" });

        using (var one = harness.Tracer.StartSpan("one"))
        {
            one.SetTag("team", "span");
        }

        using (var many = harness.Tracer.StartSpan("many"))
        {
            many.SetTag("a", "1");
            many.SetTag("b", "2");
            many.SetTag("a", "1b");
            many.SetTag("c", "3");
            many.SetTag("region", "us");
            many.SetTag("d", "4");
        }

        using (harness.Tracer.StartSpan("none"))
        {
        }

        Assert.Equal(new Dictionary<string, string> { ["team"] = "span", ["region"] = "eu" }, harness.Single("one").Tags);
        Assert.Equal(
            new Dictionary<string, string> { ["team"] = "scope", ["region"] = "us", ["a"] = "1b", ["b"] = "2", ["c"] = "3", ["d"] = "4" },
            harness.Single("many").Tags);
        var none = harness.Single("none").Tags!;
        Assert.Equal(new Dictionary<string, string> { ["team"] = "scope", ["region"] = "eu" }, none);

        // Each event owns its dictionary: changing one changes neither the scope nor another event.
        none["team"] = "changed";
        Assert.Equal("scope", harness.Context.Current!.Tags["team"]);
        Assert.Equal("span", harness.Single("one").Tags!["team"]);
    }

    [Fact]
    public void SetTag_TwoTags_NoTagsWithoutScope()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Tracer.StartSpan("plain"))
        {
        }

        using (var span = harness.Tracer.StartSpan("two"))
        {
            span.SetTag("x", "1");
            span.SetTag("y", "2");
            span.SetTag("x", "3");
        }

        Assert.Null(harness.Single("plain").Tags);
        Assert.Equal(new Dictionary<string, string> { ["x"] = "3", ["y"] = "2" }, harness.Single("two").Tags);
    }

    [Fact]
    public void SetMetadata_CallerMutatesAfterwards_EventKeepsSnapshot()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var dictionary = new Dictionary<string, object?> { ["k"] = "v", ["list"] = new List<int> { 1, 2 } };
        var list = new List<string> { "a" };
        var node = new JsonObject { ["n"] = 1 };

        using (var span = harness.Tracer.StartSpan("snap"))
        {
            span.SetMetadata("dict", dictionary);
            span.SetMetadata("list", list);
            span.SetMetadata("node", node);
            dictionary["k"] = "changed";
            ((List<int>)dictionary["list"]!).Add(3);
            list.Add("b");
            node["n"] = 2;
        }

        var metadata = harness.Single("snap").Metadata!;
        Assert.Equal("""{"k":"v","list":[1,2]}""", metadata["dict"]!.ToJsonString());
        Assert.Equal("""["a"]""", metadata["list"]!.ToJsonString());
        Assert.Equal("""{"n":1}""", metadata["node"]!.ToJsonString());
    }

    public static TheoryData<object?, string> MetadataValues => new()
    {
        { null, "null" },
        { "text", "\"text\"" },
        { 42, "42" },
        { 42L, "42" },
        { 1.5, "1.5" },
        { 2.5f, "2.5" },
        { 3.25m, "3.25" },
        { true, "true" },
        { 'c', "\"c\"" },
        { double.NaN, "\"NaN\"" },
        { double.PositiveInfinity, "\"Infinity\"" },
        { DayOfWeek.Friday, "\"Friday\"" },
        { new Guid("0b7c4f0e-6a43-4c39-9b1f-3f1e6f0b2a11"), "\"0b7c4f0e-6a43-4c39-9b1f-3f1e6f0b2a11\"" },
        { TimeSpan.FromSeconds(90), "\"00:01:30\"" },
        { new Uri("https://example.com/a?b=1"), "\"https://example.com/a?b=1\"" },
        { new byte[] { 1, 2, 3 }, "\"AQID\"" },
        { new[] { 1, 2 }, "[1,2]" },
        { new Dictionary<int, string> { [1] = "one" }, """{"1":"one"}""" },
        { new SortedList<string, object?> { ["a"] = null, ["b"] = new[] { "x" } }, """{"a":null,"b":["x"]}""" },
        { new { Name = "order", Count = 2 }, """{"name":"order","count":2}""" },
        { new OrderInfo("A-1", 3), """{"id":"A-1","quantity":3}""" },
    };

    [Theory]
    [MemberData(nameof(MetadataValues))]
    public void SetMetadata_Value_IsCopiedAsJson(object? value, string expectedJson)
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (var span = harness.Tracer.StartSpan("meta"))
        {
            span.SetMetadata("value", value);
        }

        var node = harness.Single("meta").Metadata!["value"];
        Assert.Equal(expectedJson, node is null ? "null" : node.ToJsonString());
    }

    [Fact]
    public void SetMetadata_JsonElementAndTypeInfo_AreCopied()
    {
        using var harness = ZespanTestHost.CreateTracing();
        JsonElement element;
        using (var document = JsonDocument.Parse("""{"a":[1,{"b":true}]}"""))
        {
            element = document.RootElement.Clone();
        }

        using (var span = harness.Tracer.StartSpan("meta"))
        {
            span.SetMetadata("element", element);
            span.SetMetadata("typed", new OrderInfo("B-2", 5), TestJsonContext.Default.OrderInfo);
        }

        var metadata = harness.Single("meta").Metadata!;
        Assert.Equal("""{"a":[1,{"b":true}]}""", metadata["element"]!.ToJsonString());
        Assert.Equal("""{"id":"B-2","quantity":5}""", metadata["typed"]!.ToJsonString());
    }

    [Fact]
    public void SetMetadata_ObjectThatCannotSerialize_RecordsItsText()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (var span = harness.Tracer.StartSpan("meta"))
        {
            span.SetMetadata("bad", new Unserializable());
        }

        Assert.Equal("unserializable!", harness.Single("meta").Metadata!["bad"]!.GetValue<string>());
    }

    [Fact]
    public void SetEvalScore_FiniteScoresKept_NonFiniteIgnored()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (var span = harness.Tracer.StartSpan("scored"))
        {
            span.SetEvalScore("relevance", 0.92);
            span.SetEvalScore("bad", double.NaN);
            span.SetEvalScore("worse", double.NegativeInfinity);
        }

        Assert.Equal(new Dictionary<string, double> { ["relevance"] = 0.92 }, harness.Single("scored").EvalScores);
    }

    [Fact]
    public void SetTag_NullKey_Throws_NullValueIgnored()
    {
        using var harness = ZespanTestHost.CreateTracing();
        using var span = harness.Tracer.StartSpan("args");

        Assert.Throws<ArgumentNullException>(() => span.SetTag(null!, "v"));
        Assert.Throws<ArgumentNullException>(() => span.SetMetadata(null!, 1));
        Assert.Throws<ArgumentNullException>(() => span.RecordException(null!));
        Assert.Throws<ArgumentNullException>(() => harness.Tracer.StartSpan(null!));
        span.SetTag("k", null!);
        span.Dispose();
        Assert.Null(harness.Single("args").Tags);
    }

    [Fact]
    public void StartSpan_ManyThreadsAtOnce_NothingLostOrDuplicated()
    {
        using var harness = ZespanTestHost.CreateTracing();
        const int Threads = 8;
        const int PerThread = 400;

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                using var root = harness.Tracer.StartSpan("root");
                root.SetTag("thread", t.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var child = harness.Tracer.StartSpan("child");
                child.SetTag("i", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });

        var events = harness.Events;
        Assert.Equal(Threads * PerThread * 2, events.Count);
        Assert.Equal(events.Count, events.Select(e => e.SpanId).Distinct().Count());
        var roots = events.Where(e => e.Name == "root").ToDictionary(e => e.SpanId);
        Assert.Equal(Threads * PerThread, roots.Count);
        foreach (var child in events.Where(e => e.Name == "child"))
        {
            var parent = roots[child.ParentSpanId!.Value];
            Assert.Equal(parent.TraceId, child.TraceId);
        }
    }

    [Fact]
    public async Task SetAndDispose_FromManyThreadsOnOneSpan_EventFrozenWhenEnqueued()
    {
        using var harness = ZespanTestHost.CreateTracing();
        (int Tags, int Metadata, int Scores) atEnqueue = (-1, -1, -1);
        harness.Queue.OnEnqueue = e => atEnqueue = (e.Tags?.Count ?? 0, e.Metadata?.Count ?? 0, e.EvalScores?.Count ?? 0);
        var span = harness.Tracer.StartSpan("contended");
        using var start = new Barrier(5);

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 2000; i++)
            {
                var key = $"w{w}-{i}";
                span.SetTag(key, "v");
                span.SetMetadata(key, i);
                span.SetEvalScore(key, i);
            }
        })).ToArray();
        start.SignalAndWait();
        span.Dispose();
        await Task.WhenAll(writers);
        span.Dispose();

        var item = harness.Single("contended");
        Assert.Equal(atEnqueue, (item.Tags?.Count ?? 0, item.Metadata?.Count ?? 0, item.EvalScores?.Count ?? 0));
        Assert.Single(harness.Events);
    }

    [Fact]
    public void Trace_ReturnsResult_AndRecordsThrownExceptionUnchanged()
    {
        using var harness = ZespanTestHost.CreateTracing();

        var result = harness.Tracer.Trace("ok", span =>
        {
            span.SetTag("k", "v");
            return 42;
        });
        var thrown = new InvalidOperationException("boom");
        var caught = Assert.Throws<InvalidOperationException>(() => harness.Tracer.Trace<int>("bad", _ => throw thrown));
        Assert.Throws<ArgumentException>(() => harness.Tracer.Trace("bad-void", _ => throw new ArgumentException("void")));

        Assert.Equal(42, result);
        Assert.Same(thrown, caught);
        Assert.Equal(200, harness.Single("ok").StatusCode);
        Assert.Equal(500, harness.Single("bad").StatusCode);
        Assert.Equal("boom", harness.Single("bad").Error!.Message);
        Assert.Equal("System.ArgumentException", harness.Single("bad-void").Error!.Type);
    }

    [Fact]
    public async Task TraceAsync_ReturnsResult_AndRecordsThrownExceptionUnchanged()
    {
        using var harness = ZespanTestHost.CreateTracing();

        var result = await harness.Tracer.TraceAsync("ok", async span =>
        {
            await Task.Yield();
            using (harness.Tracer.StartSpan("inside"))
            {
            }

            return "done";
        });
        var thrown = new InvalidOperationException("async boom");
        var caught = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Tracer.TraceAsync<int>("bad", async _ =>
        {
            await Task.Yield();
            throw thrown;
        }));
        await Assert.ThrowsAsync<TimeoutException>(() => harness.Tracer.TraceAsync("bad-void", _ => Task.FromException(new TimeoutException())));

        Assert.Equal("done", result);
        Assert.Same(thrown, caught);
        Assert.Equal(harness.Single("ok").SpanId, harness.Single("inside").ParentSpanId);
        Assert.Equal(500, harness.Single("bad").StatusCode);
        Assert.Equal(500, harness.Single("bad-void").StatusCode);
    }

    private sealed class Unserializable
    {
        public int Value => throw new InvalidOperationException("no");

        public override string ToString() => "unserializable!";
    }
}

public sealed record OrderInfo(string Id, int Quantity);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OrderInfo))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
