using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions;

namespace Zespan.Testing.Contract;

/// <summary>
/// The Zespan HTTP API (version 1) as the SDK uses it, checked against any server of it: a subclass per server (the
/// fake backend the SDK tests use, the real dev server) so the two cannot drift apart. Ingest (202 with the count,
/// one store per <c>batch_id</c>, <c>dropped_since_last</c>, gzip and plain bodies, 400 for a malformed batch),
/// remote configuration (ETag, 304), prompts (by name, label and version; 404), guardrail checks and 401 for a missing
/// or wrong key; then the SDK itself (export, prompt client) against the server.
/// </summary>
public abstract class ZespanApiContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 23, 0, 0, TimeSpan.Zero);
    private IContractServer _server = null!;
    private HttpClient _client = null!;

    /// <summary>Starts the server under test (on 127.0.0.1, port 0).</summary>
    protected abstract Task<IContractServer> StartServerAsync();

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _server = await StartServerAsync();
        _client = Client(_server.ApiKey);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_GzipBatch_Answers202WithCountAndStoresEveryEvent()
    {
        var (traceId, batch) = Batch(events: 2);

        using var response = await PostBatchAsync(batch, gzip: true);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await JsonAsync(response))["accepted"]!.GetValue<int>());
        Assert.Equal(2, await _server.StoredEventCountAsync(traceId));
    }

    [Fact]
    public async Task Ingest_PlainBatch_Answers202AndStores()
    {
        var (traceId, batch) = Batch(events: 1);

        using var response = await PostBatchAsync(batch, gzip: false);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, await _server.StoredEventCountAsync(traceId));
    }

    [Fact]
    public async Task Ingest_SameBatchIdTwice_Answers202AgainAndStoresOnce()
    {
        var (traceId, batch) = Batch(events: 3);

        using var first = await PostBatchAsync(batch, gzip: true);
        using var second = await PostBatchAsync(batch, gzip: true);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var repeat = await JsonAsync(second);
        Assert.Equal(3, repeat["accepted"]!.GetValue<int>());
        Assert.True(repeat["duplicate"]!.GetValue<bool>());
        Assert.Null((await JsonAsync(first))["duplicate"]);
        Assert.Equal(3, await _server.StoredEventCountAsync(traceId));
    }

    [Fact]
    public async Task Ingest_DroppedSinceLast_IsRecordedWithTheBatch()
    {
        var (_, batch) = Batch(events: 1, dropped: 7);

        using var response = await PostBatchAsync(batch, gzip: true);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(7, await _server.DroppedSinceLastAsync(batch["batch_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Ingest_NegativeDroppedSinceLast_Answers400()
    {
        var (traceId, batch) = Batch(events: 1, dropped: -1);

        using var response = await PostBatchAsync(batch, gzip: true);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(0, await _server.StoredEventCountAsync(traceId));
    }

    [Fact]
    public async Task Ingest_IdempotencyKeyOtherThanBatchId_Answers400()
    {
        var (traceId, batch) = Batch(events: 1);

        using var response = await PostBatchAsync(batch, gzip: true, idempotencyKey: Guid.NewGuid().ToString());

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(0, await _server.StoredEventCountAsync(traceId));
    }

    [Theory]
    [InlineData("""{"events":[]}""")]
    [InlineData("""{"batch_id":"b-1"}""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""not json""")]
    public async Task Ingest_MalformedBatch_Answers400WithErrorBody(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync("v1/ingest", content);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Config_Get_AnswersVersionRulesAndETagThen304ForThatETag()
    {
        using var first = await _client.GetAsync("v1/config?environment=contract");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        var config = await JsonAsync(first);
        Assert.Equal(0, config["version"]!.GetValue<long>());
        Assert.Empty(Assert.IsType<JsonArray>(config["rules"]));

        using var again = new HttpRequestMessage(HttpMethod.Get, "v1/config?environment=contract");
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await _client.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Config_RulesChanged_AnswersNewVersionAndETagForTheOldOne()
    {
        using var first = await _client.GetAsync("v1/config?environment=contract");
        var etag = first.Headers.ETag!;
        await _server.SetRulesAsync("contract", """[{"type":"sample_rate","value":0.25}]""");

        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/config?environment=contract");
        request.Headers.IfNoneMatch.Add(etag);
        using var changed = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
        var config = await JsonAsync(changed);
        Assert.True(config["version"]!.GetValue<long>() > 0);
        var rule = Assert.Single(Assert.IsType<JsonArray>(config["rules"]));
        Assert.Equal("sample_rate", rule!["type"]!.GetValue<string>());
        Assert.Equal(0.25, rule["value"]!.GetValue<double>());
    }

    [Fact]
    public async Task Prompts_GetByNameLabelAndVersion_AnswersThatVersion()
    {
        var name = "contract-" + Guid.NewGuid().ToString("N")[..8];
        var v1 = await CreatePromptAsync(name, "Hello {{name}} v1", "production");
        var v2 = await CreatePromptAsync(name, "Hello {{name}} v2", "staging");
        Assert.Equal(1, v1["version"]!.GetValue<int>());
        Assert.Equal(2, v2["version"]!.GetValue<int>());

        var byDefault = await GetPromptAsync($"v1/prompts/{name}");
        var byLabel = await GetPromptAsync($"v1/prompts/{name}?label=staging");
        var byVersion = await GetPromptAsync($"v1/prompts/{name}?version=1");

        Assert.Equal("Hello {{name}} v1", byDefault["prompt"]!.GetValue<string>());
        Assert.Equal(name, byDefault["name"]!.GetValue<string>());
        Assert.Equal("text", byDefault["type"]!.GetValue<string>());
        Assert.Equal(["production"], byDefault["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal(2, byLabel["version"]!.GetValue<int>());
        Assert.Equal(1, byVersion["version"]!.GetValue<int>());
        Assert.True(DateTimeOffset.TryParse(byDefault["created_at"]!.GetValue<string>(), CultureInfo.InvariantCulture, out _));
    }

    [Fact]
    public async Task Prompts_LabelMovedToNewVersion_LeavesTheOldOne()
    {
        var name = "contract-" + Guid.NewGuid().ToString("N")[..8];
        await CreatePromptAsync(name, "one", "production");
        await CreatePromptAsync(name, "two", "production");

        var production = await GetPromptAsync($"v1/prompts/{name}?label=production");
        var first = await GetPromptAsync($"v1/prompts/{name}?version=1");

        Assert.Equal("two", production["prompt"]!.GetValue<string>());
        Assert.Empty(first["labels"]!.AsArray());
    }

    [Fact]
    public async Task Prompts_UnknownNameLabelOrVersion_Answers404()
    {
        var name = "contract-" + Guid.NewGuid().ToString("N")[..8];
        using var unknown = await _client.GetAsync($"v1/prompts/{name}");
        await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "not_found");

        await CreatePromptAsync(name, "one", "production");
        using var noLabel = await _client.GetAsync($"v1/prompts/{name}?label=staging");
        using var noVersion = await _client.GetAsync($"v1/prompts/{name}?version=9");

        await AssertErrorAsync(noLabel, HttpStatusCode.NotFound, "not_found");
        await AssertErrorAsync(noVersion, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Prompts_LabelAndVersionTogether_Answers400()
    {
        var name = "contract-" + Guid.NewGuid().ToString("N")[..8];
        await CreatePromptAsync(name, "one", "production");

        using var response = await _client.GetAsync($"v1/prompts/{name}?label=production&version=1");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Guardrails_CleanCheck_AnswersPassedWithResults()
    {
        var check = new JsonObject
        {
            ["phase"] = "pre",
            ["provider"] = "openai",
            ["model"] = "gpt-4o",
            ["environment"] = "contract",
            ["trace_id"] = Hex(16),
            ["span_id"] = Hex(8),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "What is the capital of France?" }),
            ["completion"] = null,
        };

        using var response = await _client.PostAsync("v1/guardrails/check", Json(check));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await JsonAsync(response);
        Assert.True(answer["passed"]!.GetValue<bool>());
        Assert.IsType<JsonArray>(answer["results"]);
    }

    [Fact]
    public async Task Guardrails_CheckNotAnObject_Answers400()
    {
        using var response = await _client.PostAsync("v1/guardrails/check", new StringContent("[1]", Encoding.UTF8, "application/json"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("POST", "v1/ingest")]
    [InlineData("GET", "v1/config?environment=contract")]
    [InlineData("GET", "v1/prompts/support-reply")]
    [InlineData("GET", "v1/prompts")]
    [InlineData("POST", "v1/guardrails/check")]
    public async Task AnyEndpoint_MissingOrWrongKey_Answers401WithBearerChallenge(string method, string path)
    {
        foreach (var key in new[] { null, "zsp_wrong_0000000000" })
        {
            using var client = Client(key);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                request.Content = Json(Batch(events: 1).Batch);
            }

            using var response = await client.SendAsync(request);

            await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
            if (key is { Length: > 0 })
            {
                Assert.DoesNotContain(key, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Sdk_TracedSpansFlushed_ServerStoresThem()
    {
        await using var sdk = await StartSdkAsync();
        string traceId;
        using (var outer = sdk.Tracer.StartSpan("contract-workflow"))
        {
            traceId = outer.TraceId;
            using var inner = sdk.Tracer.StartSpan("contract-step");
        }

        Assert.True(await sdk.Services.GetRequiredService<IZespanClient>().FlushAsync());

        Assert.Equal(2, await _server.StoredEventCountAsync(traceId));
    }

    [Fact]
    public async Task Sdk_PromptClient_GetsThePromptByLabelAndVersion()
    {
        var name = "contract-" + Guid.NewGuid().ToString("N")[..8];
        await CreatePromptAsync(name, "Hello {{ customer_name }}", "production");
        await CreatePromptAsync(name, "Hi {{ customer_name }}", "staging");
        await using var sdk = await StartSdkAsync();
        var prompts = sdk.Services.GetRequiredService<IPromptClient>();

        var production = await prompts.GetAsync(name);
        var staging = await prompts.GetAsync(name, label: "staging");
        var first = await prompts.GetAsync(name, version: 1);

        Assert.Equal("Hello {{ customer_name }}", production.Text);
        Assert.Equal(1, production.Version);
        Assert.Equal(2, staging.Version);
        Assert.Equal("Hello {{ customer_name }}", first.Text);
    }

    private Task<ZespanTestHost> StartSdkAsync(params (string Key, string? Value)[] settings) =>
        ZespanTestHost.StartAsync(new ZespanTestHostOptions { StartBackend = false, GenericHost = true }
            .With(
                ("ApiKey", _server.ApiKey),
                ("BaseUrl", _server.BaseUrl.ToString()),
                ("Environment", "contract"),
                ("DisableConfigSync", "true"),
                ("FlushInterval", TimeSpan.FromHours(1).ToString()))
            .With(settings));

    private HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = _server.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    private async Task<HttpResponseMessage> PostBatchAsync(JsonObject batch, bool gzip, string? idempotencyKey = null)
    {
        var bytes = Encoding.UTF8.GetBytes(batch.ToJsonString());
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var stream = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                stream.Write(bytes);
            }

            bytes = compressed.ToArray();
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/ingest") { Content = content };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? batch["batch_id"]!.GetValue<string>());
        return await _client.SendAsync(request);
    }

    private async Task<JsonObject> CreatePromptAsync(string name, string text, params string[] labels)
    {
        var body = new JsonObject
        {
            ["name"] = name,
            ["type"] = "text",
            ["prompt"] = text,
            ["labels"] = new JsonArray([.. labels.Select(l => (JsonNode?)JsonValue.Create(l))]),
            ["config"] = new JsonObject { ["temperature"] = 0.2 },
            ["commit_message"] = "contract",
        };
        using var response = await _client.PostAsync("v1/prompts", Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await JsonAsync(response);
    }

    private async Task<JsonObject> GetPromptAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var error = Assert.IsType<JsonObject>(JsonNode.Parse(text)!["error"]);
        Assert.Equal(type, error["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        Assert.IsType<JsonObject>(JsonNode.Parse(await response.Content.ReadAsStringAsync()));

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static (string TraceId, JsonObject Batch) Batch(int events, long dropped = 0)
    {
        var traceId = Hex(16);
        var array = new JsonArray();
        string? parent = null;
        for (var i = 0; i < events; i++)
        {
            var spanId = Hex(8);
            array.Add(new JsonObject
            {
                ["trace_id"] = traceId,
                ["span_id"] = spanId,
                ["parent_span_id"] = parent,
                ["log_type"] = i == 0 ? "workflow" : "custom",
                ["name"] = i == 0 ? "contract-workflow" : "contract-step-" + i.ToString(CultureInfo.InvariantCulture),
                ["start_time"] = Time(Start.AddSeconds(i)),
                ["end_time"] = Time(Start.AddSeconds(i + 1)),
                ["latency"] = 1.0,
                ["status_code"] = 200,
                ["environment"] = "contract",
                ["tags"] = new JsonObject(),
                ["metadata"] = new JsonObject(),
            });
            parent ??= spanId;
        }

        var batch = new JsonObject
        {
            ["batch_id"] = Guid.NewGuid().ToString(),
            ["sdk"] = new JsonObject { ["name"] = "zespan-dotnet", ["version"] = "1.0.0" },
            ["environment"] = "contract",
            ["sent_at"] = Time(Start.AddMinutes(1)),
            ["dropped_since_last"] = dropped,
            ["events"] = array,
        };
        return (traceId, batch);
    }
}
