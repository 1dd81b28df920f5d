using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Zespan.DevServer.Tests.Scale;

/// <summary>
/// Read latency with 100,000 stored events (20,000 traces of 5 spans), as the server measures it (<c>Server-Timing</c>).
/// Run: <c>ZESPAN_DEVSERVER_MEASURE=1 dotnet test tests/Zespan.DevServer.Tests -c Release --filter FullyQualifiedName~Scale</c>.
/// </summary>
public class ScaleMeasurements(ITestOutputHelper output)
{
    public const int Traces = 20_000;
    private const int SpansPerTrace = 5;

    [MeasureFact]
    public async Task ReadEndpoints_At100000Events()
    {
        await using var server = await DevServerHost.StartAsync();
        var seeded = await SeedAsync(server);
        var sampleTrace = seeded[Traces / 2];

        var paths = new List<string>
        {
            "api/traces",
            "api/traces?page=100",
            "api/traces?user=user-42",
            "api/traces?model=claude-haiku-4-5",
            "api/traces?status=error",
            "api/traces?from=2026-11-21T00:00:00Z&to=2026-11-21T06:00:00Z",
            $"api/traces/{sampleTrace}",
            "api/stats",
        };
        paths.AddRange(ExtraPaths(sampleTrace));

        Write($"{(await server.GetJsonAsync("api/stats")).ToJsonString()}");
        // warm up: the first request of each kind compiles its path
        foreach (var path in paths)
        {
            using var warm = await server.Client.GetAsync(path);
        }

        Write("| request | median ms | p95 ms | max ms |");
        Write("|---|---|---|---|");
        foreach (var path in paths)
        {
            var times = new List<double>();
            for (var i = 0; i < 25; i++)
            {
                using var response = await server.Client.GetAsync(path);
                Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                var timing = string.Join(",", response.Headers.GetValues("Server-Timing"));
                times.Add(double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture));
            }

            times.Sort();
            Write(string.Create(CultureInfo.InvariantCulture, $"| `GET /{path}` | {times[times.Count / 2]:0.0} | {times[(int)(times.Count * 0.95)]:0.0} | {times[^1]:0.0} |"));
        }
    }

    /// <summary>The dashboard's, sessions', users' and search endpoints, and the viewer's page.</summary>
    private static IEnumerable<string> ExtraPaths(string traceId)
    {
        _ = traceId;
        return
        [
            "api/traces?q=order",
            "api/traces?q=answer%2012345",
            "api/traces?tag=team%3Dsupport",
            "api/traces?log_type=tool&provider=openai",
            "api/stats/timeseries",
            "api/stats/timeseries?from=2026-11-21T00:00:00Z&to=2026-11-21T06:00:00Z&interval=5m",
            "api/stats/breakdown?by=model",
            "api/stats/breakdown?by=user",
            "api/stats/breakdown?by=prompt",
            "api/sessions",
            "api/sessions/session-2500",
            "api/users",
            "api/users?page=5",
            "v1/prompts",
            "viewer/app.js",
        ];
    }

    private void Write(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    /// <summary>20,000 traces over one day: a workflow with three generations and a tool; 500 users, 4 models, 1 in 20 failing.</summary>
    internal static async Task<List<string>> SeedAsync(DevServerHost server)
    {
        string[] models = ["gpt-4o-mini", "gpt-4o", "claude-haiku-4-5", "claude-sonnet-4-5"];
        var ids = new List<string>(Traces);
        var start = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var events = new List<JsonObject>(1000);
        for (var t = 0; t < Traces; t++)
        {
            var traceId = TestEvents.TraceId();
            ids.Add(traceId);
            var at = start.AddSeconds(t * 86_400.0 / Traces);
            var root = TestEvents.SpanId();
            var user = "user-" + (t % 500).ToString(CultureInfo.InvariantCulture);
            var workflow = TestEvents.Event(traceId, root, null, "workflow", "handle-request", at, 2);
            workflow["customer_identifier"] = user;
            workflow["thread_identifier"] = "session-" + (t / 4).ToString(CultureInfo.InvariantCulture);
            events.Add(workflow);
            for (var g = 0; g < SpansPerTrace - 2; g++)
            {
                var generation = TestEvents.Generation(traceId, TestEvents.SpanId(), root, at.AddMilliseconds(100 + (g * 500)), models[(t + g) % models.Length],
                    promptTokens: 100 + (t % 50), completionTokens: 20 + g, cost: 0.0001 * (g + 1), user: user, completion: $"answer {t} {g} about order A-{t}");
                generation["thread_identifier"] = workflow["thread_identifier"]!.DeepClone();
                generation["tags"] = new JsonObject { ["team"] = t % 2 == 0 ? "support" : "sales" };
                generation["metadata"] = new JsonObject { ["prompt.name"] = "support-reply", ["prompt.version"] = 1 + (t % 3) };
                if (t % 20 == 0 && g == 0)
                {
                    generation["status_code"] = 500;
                    generation["error"] = new JsonObject { ["type"] = "HttpRequestException", ["message"] = "upstream failed" };
                }

                events.Add(generation);
            }

            var tool = TestEvents.Event(traceId, TestEvents.SpanId(), root, "tool", "lookup_order", at.AddMilliseconds(1800), 0.1);
            tool["tool"] = new JsonObject { ["name"] = "lookup_order", ["arguments"] = new JsonObject { ["order_id"] = "A-" + t }, ["result"] = new JsonObject { ["status"] = "shipped" } };
            events.Add(tool);
            if (events.Count >= 1000)
            {
                await server.IngestAsync(TestEvents.Batch([.. events]));
                events.Clear();
            }
        }

        if (events.Count > 0)
        {
            await server.IngestAsync(TestEvents.Batch([.. events]));
        }

        return ids;
    }
}
