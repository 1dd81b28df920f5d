using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Api;

public class StatsTests
{
    [Fact]
    public async Task Timeseries_BucketsCallsTokensCostAndLatency_CountingUnpricedCallsApart()
    {
        await using var server = await DevServerHost.StartAsync();
        var t = TestEvents.BaseTime;
        var (_, first) = TestEvents.SimpleTrace(t); // one generation: 10 + 5 tokens, $0.0001, 0.5 s
        var traceId = TestEvents.TraceId();
        var unpriced = TestEvents.Generation(traceId, TestEvents.SpanId(), null, t.AddMinutes(1).AddSeconds(5), model: "my-llama", cost: 0);
        unpriced["cost"] = null;
        unpriced["cost_status"] = "unpriced";
        unpriced["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 4 };
        unpriced["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 2 };
        var failed = TestEvents.Generation(traceId, TestEvents.SpanId(), null, t.AddMinutes(1).AddSeconds(10));
        failed["status_code"] = 500;
        failed["latency"] = 1.5;
        failed["end_time"] = TestEvents.Time(t.AddMinutes(1).AddSeconds(11.5));
        await server.IngestAsync(first);
        await server.IngestAsync(TestEvents.Batch(unpriced, failed));

        var series = await server.GetJsonAsync("api/stats/timeseries?from=2026-11-21T23:00:00Z&to=2026-11-21T23:03:00Z&interval=1m");

        Assert.Equal("1m", series["interval"]!.GetValue<string>());
        var buckets = series["buckets"]!.AsArray();
        Assert.Equal(3, buckets.Count);
        Assert.Equal([1L, 2L, 0L], buckets.Select(static b => b!["calls"]!.GetValue<long>()));
        var second = buckets[1]!;
        Assert.Equal(1, second["errors"]!.GetValue<long>());
        Assert.Equal(0.5, second["error_rate"]!.GetValue<double>());
        Assert.Equal(20, second["prompt_tokens"]!.GetValue<long>());
        Assert.Equal(4, second["cached_tokens"]!.GetValue<long>());
        Assert.Equal(2, second["reasoning_tokens"]!.GetValue<long>());
        Assert.Equal(1, second["unpriced_calls"]!.GetValue<long>());
        Assert.Equal(1, second["priced_calls"]!.GetValue<long>());
        Assert.Equal(0.0001, second["cost"]!.GetValue<double>(), 9);
        // percentiles come from a log-bucketed histogram: within 5% of the true value
        Assert.InRange(second["latency_p50"]!.GetValue<double>(), 0.5 * 0.95, 0.5 * 1.05);
        Assert.InRange(second["latency_p95"]!.GetValue<double>(), 1.5 * 0.95, 1.5);
        Assert.Equal(1.0, second["latency_avg"]!.GetValue<double>(), 6);
        Assert.Equal(0.5, buckets[0]!["latency_p50"]!.GetValue<double>(), 6); // one call: clamped to its real latency
        Assert.Null(buckets[2]!["cost"]); // no call: no cost, not $0
        Assert.Equal("2026-11-21T23:01:00.000000Z", second["start"]!.GetValue<string>());
    }

    [Fact]
    public async Task Breakdown_ByModelUserAndPrompt_SumsTheStoredCalls()
    {
        await using var server = await DevServerHost.StartAsync();
        var t = TestEvents.BaseTime;
        var events = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            var e = TestEvents.Generation(TestEvents.TraceId(), TestEvents.SpanId(), null, t.AddSeconds(i), model: i < 2 ? "gpt-4o" : "claude-haiku-4-5",
                promptTokens: 100 * (i + 1), completionTokens: 10, cost: 0.01, user: i == 0 ? "ada" : "bob");
            e["metadata"] = new JsonObject { ["prompt.name"] = "support-reply", ["prompt.version"] = i + 1 == 3 ? 2 : 1 };
            events.Add(e);
        }

        await server.IngestAsync(TestEvents.Batch([.. events]));

        var byModel = await server.GetJsonAsync("api/stats/breakdown?by=model");
        var gpt = byModel["rows"]!.AsArray().Single(static r => (string?)r!["key"] == "gpt-4o")!;
        Assert.Equal(2, gpt["calls"]!.GetValue<long>());
        Assert.Equal(300, gpt["prompt_tokens"]!.GetValue<long>());
        Assert.Equal(0.02, gpt["cost"]!.GetValue<double>(), 9);
        Assert.Equal(3, byModel["totals"]!["calls"]!.GetValue<long>());
        Assert.Equal(600, byModel["totals"]!["prompt_tokens"]!.GetValue<long>());

        var byUser = await server.GetJsonAsync("api/stats/breakdown?by=user");
        Assert.Equal(2, byUser["rows"]!.AsArray().Single(static r => (string?)r!["key"] == "bob")!["calls"]!.GetValue<long>());

        var byPrompt = await server.GetJsonAsync("api/stats/breakdown?by=prompt");
        var v1 = byPrompt["rows"]!.AsArray().Single(static r => r!["prompt_version"]?.GetValue<long>() == 1)!;
        Assert.Equal("support-reply", v1["prompt_name"]!.GetValue<string>());
        Assert.Equal("support-reply#1", v1["key"]!.GetValue<string>());
        Assert.Equal(2, v1["calls"]!.GetValue<long>());
    }

    [Fact]
    public async Task Breakdown_AcrossHours_WholeHoursFromTheRollupsAndTheEndsFromTheCalls_AddUp_AndFollowRetention()
    {
        await using var server = await DevServerHost.StartAsync(o => o.MaxEvents = 20);
        var t = new DateTimeOffset(2026, 11, 21, 20, 30, 0, TimeSpan.Zero);
        var events = new List<JsonObject>();
        for (var i = 0; i < 10; i++)
        {
            // every 25 minutes from 20:30: four hours, partial at both ends
            var e = TestEvents.Generation(TestEvents.TraceId(), TestEvents.SpanId(), null, t.AddMinutes(25 * i), model: i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini",
                promptTokens: 10 * (i + 1), completionTokens: 1, cost: 0.001);
            e["latency"] = 0.1 * (i + 1);
            e["end_time"] = TestEvents.Time(t.AddMinutes(25 * i).AddSeconds(0.1 * (i + 1)));
            if (i == 3)
            {
                e["cost"] = null;
            }

            events.Add(e);
        }

        await server.IngestAsync(TestEvents.Batch([.. events]));

        foreach (var query in new[] { string.Empty, "&from=2026-11-21T20:40:00Z&to=2026-11-22T00:20:00Z", "&from=2026-11-21T21:00:00Z&to=2026-11-22T00:00:00Z" })
        {
            var breakdown = await server.GetJsonAsync("api/stats/breakdown?by=model" + query);
            var inRange = events.Where(e => query.Length == 0 || InRange(e, query)).ToList();
            Assert.Equal(inRange.Count, breakdown["totals"]!["calls"]!.GetValue<long>());
            Assert.Equal(inRange.Sum(static e => e["prompt_tokens"]!.GetValue<int>()), breakdown["totals"]!["prompt_tokens"]!.GetValue<long>());
            Assert.Equal(inRange.Count(static e => e["cost"] is null), breakdown["totals"]!["unpriced_calls"]!.GetValue<long>());
            var gpt4o = inRange.Where(static e => (string?)e["model"] == "gpt-4o").ToList();
            var row = breakdown["rows"]!.AsArray().Single(static r => (string?)r!["key"] == "gpt-4o")!;
            Assert.Equal(gpt4o.Count, row["calls"]!.GetValue<long>());
            Assert.Equal(gpt4o.Sum(static e => e["prompt_tokens"]!.GetValue<int>()), row["prompt_tokens"]!.GetValue<long>());
            Assert.Equal(gpt4o.Average(static e => e["latency"]!.GetValue<double>()), row["latency_avg"]!.GetValue<double>(), 6);
            var series = await server.GetJsonAsync("api/stats/timeseries?interval=1h" + query);
            Assert.Equal(inRange.Count, series["buckets"]!.AsArray().Sum(static b => b!["calls"]!.GetValue<long>()));
        }

        // retention removes the oldest calls; the rollups of their hours are rebuilt from what remains
        var more = Enumerable.Range(0, 12).Select(i => TestEvents.Generation(TestEvents.TraceId(), TestEvents.SpanId(), null, t.AddHours(5).AddMinutes(i), model: "gpt-4o")).ToArray();
        await server.IngestAsync(TestEvents.Batch(more));
        var after = await server.GetJsonAsync("api/stats/breakdown?by=model");
        Assert.Equal(20, after["totals"]!["calls"]!.GetValue<long>());
        Assert.Equal(20, (await server.GetJsonAsync("api/stats"))["events"]!.GetValue<int>());
        Assert.Equal(20, (await server.GetJsonAsync("api/stats/timeseries?interval=1h"))["buckets"]!.AsArray().Sum(static b => b!["calls"]!.GetValue<long>()));
    }

    private static bool InRange(JsonObject e, string query)
    {
        var parts = System.Web.HttpUtility.ParseQueryString(query);
        var start = DateTimeOffset.Parse(e["start_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        return start >= DateTimeOffset.Parse(parts["from"]!, System.Globalization.CultureInfo.InvariantCulture)
            && start < DateTimeOffset.Parse(parts["to"]!, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("api/stats/breakdown?by=color")]
    [InlineData("api/stats/timeseries?interval=soon")]
    [InlineData("api/stats/timeseries?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&interval=1s")]
    [InlineData("api/stats/timeseries?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z")]
    public async Task Stats_BadQuery_Answers400(string path)
    {
        await using var server = await DevServerHost.StartAsync();
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        await server.IngestAsync(batch);

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Stats_NothingStored_AnswersEmpty()
    {
        await using var server = await DevServerHost.StartAsync();

        var series = await server.GetJsonAsync("api/stats/timeseries");
        var breakdown = await server.GetJsonAsync("api/stats/breakdown");

        Assert.Empty(series["buckets"]!.AsArray());
        Assert.Empty(breakdown["rows"]!.AsArray());
        Assert.Equal(0, breakdown["totals"]!["calls"]!.GetValue<long>());
    }
}
