using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Api;

public class ReadApiTests
{
    [Fact]
    public async Task ListTraces_NewestFirst_OneRowPerTraceWithTotals()
    {
        await using var server = await DevServerHost.StartAsync();
        var (older, olderBatch) = TestEvents.SimpleTrace(TestEvents.BaseTime, user: "ada");
        var (newer, newerBatch) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddMinutes(5), user: "bob", model: "claude-haiku-4-5");
        await server.IngestAsync(olderBatch);
        await server.IngestAsync(newerBatch);

        var list = await server.GetJsonAsync("api/traces");

        Assert.Equal(2, list["total"]!.GetValue<int>());
        var rows = list["data"]!.AsArray();
        Assert.Equal([newer, older], rows.Select(r => r!["trace_id"]!.GetValue<string>()));
        var row = rows[1]!;
        Assert.Equal("handle-request", row["name"]!.GetValue<string>());
        Assert.Equal("workflow", row["root_log_type"]!.GetValue<string>());
        Assert.Equal("ada", row["user"]!.GetValue<string>());
        Assert.Equal("gpt-4o-mini", row["model"]!.GetValue<string>());
        Assert.Equal(["gpt-4o-mini"], row["models"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(15, row["total_tokens"]!.GetValue<int>());
        Assert.Equal(0.0001, row["total_cost"]!.GetValue<double>(), 9);
        Assert.Equal(1.0, row["latency"]!.GetValue<double>(), 6);
        Assert.Equal("ok", row["status"]!.GetValue<string>());
        Assert.Equal("2026-11-21T23:00:00.000000Z", row["start_time"]!.GetValue<string>());
        Assert.Equal(2, row["span_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task ListTraces_Filters_ByUserModelStatusAndTime()
    {
        await using var server = await DevServerHost.StartAsync();
        var (a, batchA) = TestEvents.SimpleTrace(TestEvents.BaseTime, user: "ada", model: "gpt-4o");
        var (b, batchB) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddHours(1), user: "bob", model: "gpt-4o-mini", error: true);
        var (c, batchC) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddHours(2), user: "ada", model: "claude-haiku-4-5");
        foreach (var batch in new[] { batchA, batchB, batchC })
        {
            await server.IngestAsync(batch);
        }

        Assert.Equal([c, a], await Ids(server, "api/traces?user=ada"));
        Assert.Equal([b], await Ids(server, "api/traces?model=gpt-4o-mini"));
        Assert.Equal([b], await Ids(server, "api/traces?status=error"));
        Assert.Equal([c, a], await Ids(server, "api/traces?status=ok"));
        Assert.Equal([c, b], await Ids(server, "api/traces?from=2026-11-21T23:30:00Z"));
        Assert.Equal([b, a], await Ids(server, "api/traces?to=2026-11-22T00:00:00Z"));
        Assert.Equal([b], await Ids(server, "api/traces?from=2026-11-21T23:30:00Z&to=2026-11-22T00:30:00Z"));
        Assert.Empty(await Ids(server, "api/traces?user=ada&status=error"));
        var error = await server.GetJsonAsync($"api/traces?status=error");
        Assert.Equal("error", error["data"]![0]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListTraces_Pages()
    {
        await using var server = await DevServerHost.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var (id, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddSeconds(i));
            ids.Insert(0, id);
            await server.IngestAsync(batch);
        }

        var page1 = await server.GetJsonAsync("api/traces?limit=2&page=1");
        var page3 = await server.GetJsonAsync("api/traces?limit=2&page=3");

        Assert.Equal(5, page1["total"]!.GetValue<int>());
        Assert.Equal(ids.Take(2), page1["data"]!.AsArray().Select(r => r!["trace_id"]!.GetValue<string>()));
        Assert.Equal(ids.Skip(4), page3["data"]!.AsArray().Select(r => r!["trace_id"]!.GetValue<string>()));
        Assert.Equal(3, page3["page"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("api/traces?status=broken")]
    [InlineData("api/traces?from=yesterday")]
    [InlineData("api/traces?limit=0")]
    [InlineData("api/traces?limit=201")]
    [InlineData("api/traces?page=-1")]
    public async Task ListTraces_BadQuery_Answers400(string path)
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task GetTrace_NestsSpansByParent_WithFullEvents()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        string agent = TestEvents.SpanId(), plan = TestEvents.SpanId(), tool = TestEvents.SpanId(), generation = TestEvents.SpanId(), orphan = TestEvents.SpanId();
        var t = TestEvents.BaseTime;
        var agentEvent = TestEvents.Event(traceId, agent, null, "agent", "support-agent", t, 3);
        agentEvent["agent"] = new JsonObject { ["name"] = "support-agent", ["role"] = "orchestrator", ["framework"] = "custom" };
        var planEvent = TestEvents.Event(traceId, plan, agent, "plan", "plan", t.AddMilliseconds(10), 0.01);
        planEvent["plan"] = new JsonArray { "look up order", "answer" };
        var toolEvent = TestEvents.Event(traceId, tool, agent, "tool", "lookup_order", t.AddMilliseconds(20));
        var generationEvent = TestEvents.Generation(traceId, generation, tool, t.AddMilliseconds(30), promptTokens: 100, completionTokens: 20, cost: 0.002);
        // its parent is an ambient Activity span never sent to Zespan: it shows as a root
        var orphanEvent = TestEvents.Event(traceId, orphan, TestEvents.SpanId(), "custom", "background", t.AddMilliseconds(40));
        await server.IngestAsync(TestEvents.Batch(generationEvent, toolEvent, agentEvent, orphanEvent, planEvent));

        var trace = await server.GetJsonAsync($"api/traces/{traceId}");

        Assert.Equal("support-agent", trace["name"]!.GetValue<string>());
        Assert.Equal(5, trace["span_count"]!.GetValue<int>());
        Assert.Equal(120, trace["total_tokens"]!.GetValue<int>());
        Assert.Equal(0.002, trace["total_cost"]!.GetValue<double>(), 9);
        var roots = TraceTree.Roots(trace);
        Assert.Equal([agent, orphan], roots.Select(r => r!["span_id"]!.GetValue<string>()));
        var children = roots[0]!["children"]!.AsArray();
        Assert.Equal([plan, tool], children.Select(c => c!["span_id"]!.GetValue<string>()));
        var nested = Assert.Single(children[1]!["children"]!.AsArray())!;
        Assert.Equal(generation, nested["span_id"]!.GetValue<string>());
        Assert.Equal("generation", nested["log_type"]!.GetValue<string>());
        Assert.Equal("Hello!", nested["event"]!["completion_message"]!["content"]!.GetValue<string>());
        Assert.Equal("look up order", children[0]!["event"]!["plan"]![0]!.GetValue<string>());
        Assert.Equal("orchestrator", roots[0]!["event"]!["agent"]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetTrace_SpansAcrossBatches_FormOneTree()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        var root = TestEvents.SpanId();
        var child = TestEvents.SpanId();
        await server.IngestAsync(TestEvents.Batch(TestEvents.Generation(traceId, child, root, TestEvents.BaseTime.AddMilliseconds(5))));
        await server.IngestAsync(TestEvents.Batch(TestEvents.Event(traceId, root, null, "workflow", "root", TestEvents.BaseTime, 1)));

        var trace = await server.GetJsonAsync($"api/traces/{traceId}");

        var only = Assert.Single(TraceTree.Roots(trace))!;
        Assert.Equal(child, Assert.Single(only["children"]!.AsArray())!["span_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetTrace_ChainOf600Spans_IsServedFlatWithDepths()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        var events = new List<JsonObject>();
        string? parent = null;
        for (var i = 0; i < 600; i++)
        {
            var span = TestEvents.SpanId();
            events.Add(TestEvents.Event(traceId, span, parent, "custom", $"step-{i}", TestEvents.BaseTime.AddMilliseconds(i), 0.001));
            parent = span;
        }

        await server.IngestAsync(TestEvents.Batch([.. events]));

        var first = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal(600, first["span_count"]!.GetValue<int>());
        Assert.Equal(600, first["span_total"]!.GetValue<int>());
        var spans = first["spans"]!.AsArray();
        Assert.Equal(500, spans.Count); // the default page
        Assert.Equal(500, first["next_span_offset"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(0, 500), spans.Select(static s => s!["depth"]!.GetValue<int>()));
        Assert.Equal("step-0", first["name"]!.GetValue<string>());

        var rest = await server.GetJsonAsync($"api/traces/{traceId}?span_offset=500&span_limit=2000");
        Assert.Equal(Enumerable.Range(500, 100), rest["spans"]!.AsArray().Select(static s => s!["depth"]!.GetValue<int>()));
        Assert.Equal("step-599", rest["spans"]![99]!["name"]!.GetValue<string>());
        Assert.Null(rest["next_span_offset"]);
    }

    [Fact]
    public async Task GetTrace_SpanPaging_CoversEverySpanOnceInDepthFirstOrder()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        var root = TestEvents.SpanId();
        var events = new List<JsonObject> { TestEvents.Event(traceId, root, null, "workflow", "root", TestEvents.BaseTime, 10) };
        var expected = new List<string> { root };
        for (var i = 0; i < 7; i++)
        {
            var child = TestEvents.SpanId();
            var grandchild = TestEvents.SpanId();
            events.Add(TestEvents.Event(traceId, child, root, "agent", $"child-{i}", TestEvents.BaseTime.AddSeconds(i + 1), 0.5));
            events.Add(TestEvents.Event(traceId, grandchild, child, "tool", $"tool-{i}", TestEvents.BaseTime.AddSeconds(i + 1.1), 0.1));
            expected.Add(child);
            expected.Add(grandchild);
        }

        await server.IngestAsync(TestEvents.Batch([.. events]));

        var seen = new List<string>();
        int? offset = 0;
        while (offset is { } o)
        {
            var page = await server.GetJsonAsync($"api/traces/{traceId}?span_offset={o}&span_limit=4");
            seen.AddRange(page["spans"]!.AsArray().Select(static s => s!["span_id"]!.GetValue<string>()));
            offset = page["next_span_offset"]?.GetValue<int>();
        }

        Assert.Equal(expected, seen);
        var all = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal(7, all["spans"]![0]!["child_count"]!.GetValue<int>());
        Assert.Equal(1.1, all["spans"]![2]!["start_offset"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task GetTrace_ParentCycle_ServesEverySpan()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        string a = TestEvents.SpanId(), b = TestEvents.SpanId();
        await server.IngestAsync(TestEvents.Batch(
            TestEvents.Event(traceId, a, b, "custom", "a", TestEvents.BaseTime),
            TestEvents.Event(traceId, b, a, "custom", "b", TestEvents.BaseTime.AddMilliseconds(1))));

        var trace = await server.GetJsonAsync($"api/traces/{traceId}");

        Assert.Equal([a, b], trace["spans"]!.AsArray().Select(static s => s!["span_id"]!.GetValue<string>()));
        Assert.Equal([0, 1], trace["spans"]!.AsArray().Select(static s => s!["depth"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData("span_limit=0")]
    [InlineData("span_limit=2001")]
    [InlineData("span_offset=-1")]
    public async Task GetTrace_BadSpanPaging_Answers400(string query)
    {
        await using var server = await DevServerHost.StartAsync();
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        await server.IngestAsync(batch);

        using var response = await server.Client.GetAsync($"api/traces/{traceId}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ListTraces_SummaryFollowsLateSpans()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        var root = TestEvents.SpanId();
        await server.IngestAsync(TestEvents.Batch(TestEvents.Generation(traceId, TestEvents.SpanId(), root, TestEvents.BaseTime.AddMilliseconds(5), user: "late-user")));
        var before = (await server.GetJsonAsync("api/traces"))["data"]![0]!;
        await server.IngestAsync(TestEvents.Batch(TestEvents.Event(traceId, root, null, "workflow", "the-root", TestEvents.BaseTime, 2)));

        var after = (await server.GetJsonAsync("api/traces?user=late-user"))["data"]![0]!;

        Assert.Equal("openai.chat.completions", before["name"]!.GetValue<string>());
        Assert.Equal("the-root", after["name"]!.GetValue<string>());
        Assert.Equal(2, after["span_count"]!.GetValue<int>());
        Assert.Equal(2.0, after["latency"]!.GetValue<double>(), 6);
        Assert.Equal(15, after["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task GetTrace_Unknown_Answers404()
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.Client.GetAsync($"api/traces/{TestEvents.TraceId()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    private static async Task<string[]> Ids(DevServerHost server, string path) =>
        (await server.GetJsonAsync(path))["data"]!.AsArray().Select(r => r!["trace_id"]!.GetValue<string>()).ToArray();
}
