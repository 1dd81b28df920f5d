using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Zespan.Extensions.Backend.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

public partial class ExportWireFormatTests
{
    [Fact]
    public async Task FlushAsync_OneBatch_GzipHeadersAndEnvelopeAsTheSpecSays()
    {
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["Environment"] = "staging-eu" });
        var sent = TestEvents.Create("openai.chat.completions");
        h.Queue.TryEnqueue(sent);

        Assert.True(await h.Client.FlushAsync());

        var request = Assert.Single(h.Ingests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("gzip", request.Header("Content-Encoding"));
        Assert.Equal($"Bearer {FakeZespanBackend.ValidApiKey}", request.Header("Authorization"));
        Assert.Matches(@"^\d+\.\d+\.\d+", ZespanBackendClient.SdkVersion);
        Assert.Equal($"zespan-dotnet/{ZespanBackendClient.SdkVersion}", request.Header("User-Agent"));
        Assert.Equal([0x1f, 0x8b], request.RawBody[..2]);
        Assert.True(request.RawBody.Length < request.Body.Length);

        var envelope = ExportHost.Envelope(request);
        var batchId = envelope["batch_id"]!.GetValue<string>();
        Assert.True(Guid.TryParseExact(batchId, "D", out _));
        Assert.Equal(batchId, batchId.ToLowerInvariant());
        Assert.Equal(batchId, request.Header("Idempotency-Key"));
        Assert.Equal("zespan-dotnet", envelope["sdk"]!["name"]!.GetValue<string>());
        Assert.Equal(ZespanBackendClient.SdkVersion, envelope["sdk"]!["version"]!.GetValue<string>());
        Assert.Equal("staging-eu", envelope["environment"]!.GetValue<string>());
        Assert.Equal("2026-11-21T23:00:00.000000Z", envelope["sent_at"]!.GetValue<string>());
        Assert.Equal(0, envelope["dropped_since_last"]!.GetValue<long>());
        Assert.Equal(
            ["batch_id", "sdk", "environment", "sent_at", "dropped_since_last", "events"],
            envelope.Select(p => p.Key).ToArray());

        var e = Assert.Single(envelope["events"]!.AsArray())!.AsObject();
        Assert.Equal(sent.TraceId.ToHexString(), e["trace_id"]!.GetValue<string>());
        Assert.Matches(Hex32(), e["trace_id"]!.GetValue<string>());
        Assert.Matches(Hex16(), e["span_id"]!.GetValue<string>());
        Assert.Equal("generation", e["log_type"]!.GetValue<string>());
        Assert.Equal("2026-11-21T22:59:58.123000Z", e["start_time"]!.GetValue<string>());
        Assert.Matches(Rfc3339Micro(), e["end_time"]!.GetValue<string>());
        Assert.Equal(1.2345, e["latency"]!.GetValue<double>());
        Assert.Equal(200, e["status_code"]!.GetValue<int>());
        Assert.Equal("user", e["prompt_messages"]![1]!["role"]!.GetValue<string>());
        Assert.Equal(42, e["prompt_tokens"]!.GetValue<int>());
        Assert.Equal("support", e["tags"]!["team"]!.GetValue<string>());
        Assert.Equal(1234, e["metadata"]!["order_id"]!.GetValue<int>());
        Assert.Equal("user-1", e["customer_identifier"]!.GetValue<string>());
        Assert.Equal("session-1", e["thread_identifier"]!.GetValue<string>());
        Assert.All(e.Select(p => p.Key), k => Assert.Matches(SnakeCase(), k));
    }

    [Fact]
    public async Task FlushAsync_AmbientActivityAndHttpListener_BackendCallsAreNeitherTracedNorPropagated()
    {
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "2" });
        var port = h.Backend.BaseUrl.Port;
        var seen = new List<Activity>();
        using var httpListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = a =>
            {
                lock (seen)
                {
                    seen.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(httpListener);
        using var source = new ActivitySource("Zespan.Tests.Export.App");
        using var appListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(appListener);

        using (var request = source.StartActivity("incoming request"))
        {
            Assert.NotNull(request);
            h.EnqueueAll(TestEvents.Many(3));
            await h.Backend.WaitForEventsAsync(2);
            Assert.True(await h.Client.FlushAsync());

            // Control: an ordinary HttpClient call to the same server is seen and propagated.
            using var appClient = new HttpClient();
            using var control = await appClient.GetAsync(new Uri(h.Backend.BaseUrl, "v1/control"));
        }

        Assert.Equal(2, h.Ingests.Count);
        Assert.NotNull(Assert.Single(h.Backend.RequestsTo("/v1/control")).Header("traceparent"));
        Assert.All(h.Ingests, r =>
        {
            Assert.Null(r.Header("traceparent"));
            Assert.Null(r.Header("tracestate"));
            Assert.Null(r.Header("Request-Id"));
        });
        lock (seen)
        {
            // Only the control request shows up.
            var toBackend = seen.Where(a => (a.GetTagItem("url.full") as string)?.Contains($":{port}/", StringComparison.Ordinal) == true).ToArray();
            var only = Assert.Single(toBackend);
            Assert.Contains("/v1/control", (string)only.GetTagItem("url.full")!, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex Hex32();

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex Hex16();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
    private static partial Regex Rfc3339Micro();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SnakeCase();
}
