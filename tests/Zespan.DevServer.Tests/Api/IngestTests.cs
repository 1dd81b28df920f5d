using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Api;

public class IngestTests
{
    [Fact]
    public async Task Ingest_PlainJson_Answers202WithCountAndStoresEvents()
    {
        await using var server = await DevServerHost.StartAsync();
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);

        using var response = await server.PostJsonAsync("v1/ingest", batch);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        Assert.Null(body["duplicate"]);
        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal(2, trace["span_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ingest_GzipBody_IsDecompressedAndStored()
    {
        await using var server = await DevServerHost.StartAsync();
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        using var content = new ByteArrayContent(Gzip(batch.ToJsonString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/ingest") { Content = content };
        request.Headers.Add("Idempotency-Key", batch["batch_id"]!.GetValue<string>());

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal("handle-request", trace["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ingest_BrotliBody_IsDecompressedByTheMiddleware()
    {
        await using var server = await DevServerHost.StartAsync();
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        using var compressed = new MemoryStream();
        using (var brotli = new BrotliStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            brotli.Write(Encoding.UTF8.GetBytes(batch.ToJsonString()));
        }

        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("br");

        using var response = await server.Client.PostAsync("v1/ingest", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await server.GetJsonAsync($"api/traces/{traceId}"))["span_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ingest_UnknownContentEncoding_Answers415()
    {
        await using var server = await DevServerHost.StartAsync();
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        using var content = new StringContent(batch.ToJsonString(), Encoding.UTF8, "application/json");
        content.Headers.ContentEncoding.Add("zstd");

        using var response = await server.Client.PostAsync("v1/ingest", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ingest_SameBatchIdTwice_Answers202AndStoresOnce()
    {
        await using var server = await DevServerHost.StartAsync();
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);

        await server.IngestAsync(batch);
        using var again = await server.PostJsonAsync("v1/ingest", batch);

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var body = JsonNode.Parse(await again.Content.ReadAsStringAsync())!;
        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        Assert.True(body["duplicate"]!.GetValue<bool>());
        var stats = await server.GetJsonAsync("api/stats");
        Assert.Equal(1, stats["batches"]!.GetValue<int>());
        Assert.Equal(2, stats["events"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ingest_MalformedJson_Answers400WithErrorBodyAndServerKeepsServing()
    {
        await using var server = await DevServerHost.StartAsync();
        using var bad = new StringContent("{\"batch_id\": \"x\", \"events\": [", Encoding.UTF8, "application/json");

        using var response = await server.Client.PostAsync("v1/ingest", bad);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("invalid_request", error["type"]!.GetValue<string>());
        Assert.Contains("not valid JSON", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        await server.IngestAsync(batch);
        Assert.NotNull(await server.GetJsonAsync($"api/traces/{traceId}"));
    }

    [Theory]
    [InlineData("trace_id", "\"NOT-HEX\"", "events[1].trace_id")]
    [InlineData("span_id", "\"0000000000000000\"", "events[1].span_id")]
    [InlineData("start_time", "\"yesterday\"", "events[1].start_time")]
    [InlineData("prompt_tokens", "\"ten\"", "events[1].prompt_tokens")]
    [InlineData("log_type", "null", "events[1].log_type")]
    public async Task Ingest_InvalidEvent_Answers400NamingTheFieldAndStoresNothing(string field, string value, string expected)
    {
        await using var server = await DevServerHost.StartAsync();
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        batch["events"]![1]![field] = JsonNode.Parse(value);

        using var response = await server.PostJsonAsync("v1/ingest", batch);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>();
        Assert.StartsWith(expected, message, StringComparison.Ordinal);
        var stats = await server.GetJsonAsync("api/stats");
        Assert.Equal(0, stats["events"]!.GetValue<int>());
        Assert.Equal(0, stats["batches"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("latency", "1e300", "events[1].latency")]
    [InlineData("latency", "-1", "events[1].latency")]
    [InlineData("time_to_first_token", "1e300", "events[1].time_to_first_token")]
    [InlineData("time_to_first_token", "\"fast\"", "events[1].time_to_first_token")]
    [InlineData("cost", "1e300", "events[1].cost")]
    [InlineData("cost", "-0.5", "events[1].cost")]
    [InlineData("prompt_tokens", "9000000000000000000", "events[1].prompt_tokens")]
    [InlineData("completion_tokens", "-3", "events[1].completion_tokens")]
    [InlineData("total_tokens", "1e30", "events[1].total_tokens")]
    [InlineData("status_code", "1000000", "events[1].status_code")]
    public async Task Ingest_ImpossibleNumber_Answers400NamingTheField(string field, string value, string expected)
    {
        await using var server = await DevServerHost.StartAsync();
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        batch["events"]![1]![field] = JsonNode.Parse(value);
        if (field == "latency")
        {
            batch["events"]![1]!.AsObject().Remove("end_time"); // the end is computed from the latency
        }

        using var response = await server.PostJsonAsync("v1/ingest", batch);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("invalid_request", error["type"]!.GetValue<string>());
        Assert.StartsWith(expected, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, (await server.GetJsonAsync("api/stats"))["events"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ingest_LatencyPastTheLastRepresentableTime_Answers400()
    {
        await using var server = await DevServerHost.StartAsync();
        var e = TestEvents.Event(TestEvents.TraceId(), TestEvents.SpanId(), null, "custom", "late", new DateTimeOffset(9999, 12, 31, 23, 59, 0, TimeSpan.Zero), 1);
        e.Remove("end_time");
        e["latency"] = 3600;

        using var response = await server.PostJsonAsync("v1/ingest", TestEvents.Batch(e));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("events[0].latency", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"events\": []}")]
    [InlineData("{\"batch_id\": \"b\"}")]
    [InlineData("{\"batch_id\": 7, \"events\": []}")]
    [InlineData("{\"batch_id\": \"b\", \"events\": [42]}")]
    public async Task Ingest_MalformedBatch_Answers400(string json)
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.Client.PostAsync("v1/ingest", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ingest_IdempotencyKeyDiffersFromBatchId_Answers400()
    {
        await using var server = await DevServerHost.StartAsync();
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/ingest") { Content = DevServerHost.Json(batch) };
        request.Headers.Add("Idempotency-Key", "another-batch");

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Ingest_BodyOverLimit_Answers413WithErrorBody()
    {
        await using var server = await DevServerHost.StartAsync(o => o.MaxBodyBytes = 2048);
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        batch["events"]![1]!["metadata"] = new JsonObject { ["padding"] = new string('x', 4096) };

        using var response = await server.PostJsonAsync("v1/ingest", batch);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload_too_large", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ingest_GzipExpandingOverLimit_Answers413()
    {
        await using var server = await DevServerHost.StartAsync(o => o.MaxBodyBytes = 4096);
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        batch["events"]![1]!["metadata"] = new JsonObject { ["padding"] = new string('x', 100_000) };
        var compressed = Gzip(batch.ToJsonString());
        Assert.True(compressed.Length < 4096, "the compressed body itself must fit under the limit");
        using var content = new ByteArrayContent(compressed);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await server.Client.PostAsync("v1/ingest", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Ingest_CorruptGzip_Answers400()
    {
        await using var server = await DevServerHost.StartAsync();
        using var content = new ByteArrayContent("not gzip at all"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await server.Client.PostAsync("v1/ingest", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Ingest_NonJsonContentType_Answers415()
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.Client.PostAsync("v1/ingest", new StringContent("batch_id=1", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ingest_ManyBatchesInParallel_StoresEveryEventOnce()
    {
        await using var server = await DevServerHost.StartAsync();
        var batches = Enumerable.Range(0, 24).Select(i => TestEvents.SimpleTrace(TestEvents.BaseTime.AddSeconds(i)).Batch).ToArray();

        // every batch twice, all at once: writers must queue, not fail, and duplicates must not double
        await Task.WhenAll(batches.Concat(batches).Select(b => server.IngestAsync((JsonObject)b.DeepClone())));

        var stats = await server.GetJsonAsync("api/stats");
        Assert.Equal(24, stats["batches"]!.GetValue<int>());
        Assert.Equal(48, stats["events"]!.GetValue<int>());
        Assert.Equal(24, stats["traces"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ingest_EventWithoutEndTime_TakesStartPlusLatency()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        var e = TestEvents.Event(traceId, TestEvents.SpanId(), null, "custom", "step", TestEvents.BaseTime, 2.5);
        e.Remove("end_time");

        await server.IngestAsync(TestEvents.Batch(e));

        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal(2.5, trace["latency"]!.GetValue<double>(), 6);
        Assert.Equal("2026-11-21T23:00:02.500000Z", trace["spans"]![0]!["end_time"]!.GetValue<string>());
    }

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }
}
