using System.Net;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.Aws.Tests;

public class ZespanAwsHttpClientFactoryTests
{
    private const string NovaLite = "amazon.nova-lite-v1:0";
    private const string EventStream = "application/vnd.amazon.eventstream";

    private static TestServiceConfig Config(ZespanTestHost h, bool zespan, bool cacheHttpClient = true, Action<ZespanInstrumentationOptions>? configure = null)
    {
        var config = new TestServiceConfig { ServiceURL = h.Provider.BaseUrl.ToString(), CacheHttpClient = cacheHttpClient };
        if (zespan)
        {
            config.UseZespan(h.Services, configure);
        }

        return config;
    }

    private static void AssertSameWire(RecordedRequest expected, RecordedRequest actual)
    {
        Assert.Equal(expected.Method, actual.Method);
        Assert.Equal(expected.Path, actual.Path);
        Assert.Equal(expected.Query, actual.Query);
        Assert.Equal(expected.Body, actual.Body);
        Assert.Equal(expected.Headers.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase), actual.Headers.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CreateHttpClient_SignedConverse_GoesOutByteIdenticalAndRecordsGeneration(bool cacheHttpClient)
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var body = Fixtures.Bytes("bedrock-converse.request.json");
        var bare = Config(h, zespan: false, cacheHttpClient);
        var traced = Config(h, zespan: true, cacheHttpClient);
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, traced, NovaLite, body);

        var withoutAdapter = await signed.SendAsync(bare);
        var withAdapter = await signed.SendAsync(traced);

        Assert.Equal(2, h.Provider.Requests.Count);
        AssertSameWire(h.Provider.Requests[0], h.Provider.Requests[1]);
        Assert.Equal(signed.Headers["Authorization"], h.Provider.Requests[1].Header("Authorization"));
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", h.Provider.Requests[1].Header("Authorization"), StringComparison.Ordinal);
        Assert.Equal(body, h.Provider.Requests[1].Body);
        Assert.Equal(withoutAdapter.Body, withAdapter.Body);
        Assert.Equal(Fixtures.Bytes("bedrock-converse.json"), withAdapter.Body);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("generation", (string?)e["log_type"]);
        Assert.Equal("bedrock", (string?)e["provider"]);
        Assert.Equal("bedrock.converse", (string?)e["name"]);
        Assert.Equal(NovaLite, (string?)e["model"]);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.Equal(4, (int)e["prompt_tokens"]!);
        Assert.Equal(38, (int)e["completion_tokens"]!);
        Assert.Equal(42, (int)e["total_tokens"]!);
        Assert.Equal("hello how are you", (string?)e["prompt_messages"]![0]!["content"]);
        Assert.StartsWith("Hello! I'm doing well", (string?)e["completion_message"]!["content"], StringComparison.Ordinal);
        Assert.Equal("stop", (string?)e["finish_reason"]);
    }

    [Fact]
    public async Task CreateHttpClient_SignedConverseStream_GoesOutByteIdenticalAndRecordsStreamedGeneration()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse-stream.bin", EventStream));
        var body = Fixtures.Bytes("bedrock-converse.request.json");
        var traced = Config(h, zespan: true);
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, traced, NovaLite, body, "converse-stream");

        var withoutAdapter = await signed.SendAsync(Config(h, zespan: false));
        var withAdapter = await signed.SendAsync(traced);

        AssertSameWire(h.Provider.Requests[0], h.Provider.Requests[1]);
        Assert.Equal("/model/" + NovaLite + "/converse-stream", h.Provider.Requests[1].Path);
        Assert.Equal(EventStream, withAdapter.ContentType);
        Assert.Equal(Fixtures.Bytes("bedrock-converse-stream.bin"), withAdapter.Body);
        Assert.Equal(withoutAdapter.Body, withAdapter.Body);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("bedrock", (string?)e["provider"]);
        Assert.Equal("bedrock.converse", (string?)e["name"]);
        Assert.Equal(NovaLite, (string?)e["model"]);
        Assert.True((bool)e["stream"]!);
        Assert.Equal(4, (int)e["prompt_tokens"]!);
        Assert.Equal(8, (int)e["completion_tokens"]!);
        Assert.Equal(12, (int)e["total_tokens"]!);
        Assert.Equal("Hello! How can I help?", (string?)e["completion_message"]!["content"]);
        Assert.Equal("stop", (string?)e["finish_reason"]);
    }

    [Fact]
    public async Task CreateHttpClient_ProviderError_IsRecordedAndReachesTheSdkUnchanged()
    {
        var error = Fixtures.Bytes("bedrock-error-400.json");
        await using var h = await ZespanTestHost.StartAwsAsync(async (context, _) =>
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-amzn-ErrorType"] = "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/";
            await context.Response.Body.WriteAsync(error);
        });
        var traced = Config(h, zespan: true);
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, traced, "nope", Fixtures.Bytes("bedrock-converse.request.json"));

        var ex = await Assert.ThrowsAsync<HttpErrorResponseException>(() => signed.SendAsync(traced));

        Assert.Equal(HttpStatusCode.BadRequest, ex.Response.StatusCode);
        using (var stream = await ex.Response.ResponseBody.OpenResponseAsync())
        using (var copy = new MemoryStream())
        {
            await stream.CopyToAsync(copy);
            Assert.Equal(error, copy.ToArray());
        }

        (ex.Response as IDisposable)?.Dispose();
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(400, (int)e["status_code"]!);
        Assert.Equal("nope", (string?)e["model"]);
        Assert.Equal("ValidationException", (string?)e["error"]!["type"]);
    }

    [Fact]
    public async Task CreateHttpClient_ModelOverrideMatchesBedrockModel_SendsUnchangedAndWarnsOnce()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(
            AwsHost.Serve("bedrock-converse.json"),
            o => o.ModelOverrides.Add(new ModelOverride { From = NovaLite, To = "amazon.nova-micro-v1:0" }));
        var body = Fixtures.Bytes("bedrock-converse.request.json");
        var traced = Config(h, zespan: true);
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, traced, NovaLite, body);

        await signed.SendAsync(Config(h, zespan: false));
        await signed.SendAsync(traced);
        await signed.SendAsync(traced);

        var requests = h.Provider.Requests;
        AssertSameWire(requests[0], requests[1]);
        AssertSameWire(requests[0], requests[2]);
        var events = await h.FlushAsync();
        Assert.Equal(2, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(NovaLite, (string?)e["model"]);
            Assert.Null(e["requested_model"]);
        });
        var warning = Assert.Single(h.Logs.GetSnapshot(), l => l.Id.Id == 70);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    [Fact]
    public async Task CreateHttpClient_GuardrailRedactsBedrockPrompt_BlocksInsteadOfRewriting()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        h.Backend.GuardrailResponder = _ => JsonNode.Parse("""
            {"passed": false, "results": [{"policy": "pii", "passed": false, "action": "redact", "reason": "email", "modified_text": "my email is [EMAIL]"}]}
            """)!.AsObject();
        var traced = Config(h, zespan: true, configure: o => o.Guardrails = new GuardrailOptions { Pre = true, Post = false });
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, traced, NovaLite, Fixtures.Bytes("bedrock-converse.request.json"));

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => signed.SendAsync(traced));

        Assert.Equal(GuardrailPhase.Pre, ex.Phase);
        Assert.Empty(h.Provider.Requests);
        var check = Assert.Single(h.Backend.RequestsTo("/v1/guardrails/check")).Json!;
        Assert.Equal("bedrock", (string?)check["provider"]);
        Assert.Equal("hello how are you", (string?)check["messages"]![0]!["content"]);
    }

    [Fact]
    public async Task CreateHttpClient_ProviderNameConfigured_LabelsEvent()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var traced = Config(h, zespan: true, configure: o => o.ProviderName = "bedrock-eu");
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, traced, NovaLite, Fixtures.Bytes("bedrock-converse.request.json"));

        await signed.SendAsync(traced);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("bedrock-eu", (string?)e["provider"]);
        Assert.Equal(42, (int)e["total_tokens"]!);
    }

    [Fact]
    public async Task CreateHttpClient_OtherAwsService_PassesThroughUnrecorded()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var other = new TestServiceConfig("S3", "s3", "s3") { ServiceURL = h.Provider.BaseUrl.ToString() };
        other.UseZespan(h.Services);
        var bare = new TestServiceConfig("S3", "s3", "s3") { ServiceURL = h.Provider.BaseUrl.ToString() };

        // A path that would read as a Bedrock call if the handler were there.
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, other, NovaLite, Fixtures.Bytes("bedrock-converse.request.json"));
        await signed.SendAsync(bare);
        var response = await signed.SendAsync(other);

        Assert.Equal(200, response.Status);
        AssertSameWire(h.Provider.Requests[0], h.Provider.Requests[1]);
        Assert.Empty(await h.FlushAsync());
    }

    [Fact]
    public async Task CreateHttpClient_ProxyInConfig_SendsThroughProxy()
    {
        // The loopback server plays an HTTP proxy: the request reaches it in absolute form, for a host that does not resolve.
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var traced = new TestServiceConfig { ProxyHost = h.Provider.BaseUrl.Host, ProxyPort = h.Provider.BaseUrl.Port };
        traced.UseZespan(h.Services);
        var endpoint = new Uri("http://bedrock-runtime.zespan-proxy-test.invalid/");
        var signed = SignedRequest.Converse(endpoint, traced, NovaLite, Fixtures.Bytes("bedrock-converse.request.json"));

        var response = await signed.SendAsync(traced);

        Assert.Equal(200, response.Status);
        var request = Assert.Single(h.Provider.Requests);
        Assert.Equal("bedrock-runtime.zespan-proxy-test.invalid", request.Header("Host"));
        Assert.Equal("/model/" + NovaLite + "/converse", request.Path);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(NovaLite, (string?)e["model"]);
    }

    [Fact]
    public async Task CreateHttpClient_Timeout_FollowsConfig()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var factory = new ZespanAwsHttpClientFactory(h.Services);

        using var configured = factory.CreateHttpClient(new TestServiceConfig { Timeout = TimeSpan.FromSeconds(7) });
        using var unset = factory.CreateHttpClient(new TestServiceConfig());

        Assert.Equal(TimeSpan.FromSeconds(7), configured.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(100), unset.Timeout);
    }

    [Fact]
    public async Task CreateInnerHandler_Config_MirrorsSdkDefaultFactory()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var probe = new ProbeFactory(h.Services);
        var credentials = new NetworkCredential("user", "pass");
        var config = new TestServiceConfig
        {
            ConnectTimeout = TimeSpan.FromSeconds(3),
            MaxConnectionsPerServer = 5,
            AllowAutoRedirect = false,
            ProxyHost = "127.0.0.1",
            ProxyPort = 3128,
            ProxyCredentials = credentials,
        };

        using var handler = Assert.IsType<SocketsHttpHandler>(probe.Inner(config));
        using var defaults = Assert.IsType<SocketsHttpHandler>(probe.Inner(new TestServiceConfig()));

        Assert.Equal(TimeSpan.FromSeconds(3), handler.ConnectTimeout);
        Assert.Equal(5, handler.MaxConnectionsPerServer);
        Assert.False(handler.AllowAutoRedirect);
        Assert.Equal(DecompressionMethods.None, handler.AutomaticDecompression);
        Assert.True(handler.EnableMultipleHttp2Connections);
        Assert.NotNull(handler.Proxy);
        Assert.Same(credentials, handler.Proxy.Credentials);
        Assert.Equal(new Uri("http://127.0.0.1:3128/"), handler.Proxy.GetProxy(new Uri("https://bedrock-runtime.us-east-1.amazonaws.com/")));

        Assert.True(defaults.AllowAutoRedirect);
        Assert.Null(defaults.Proxy);
        Assert.Equal(int.MaxValue, defaults.MaxConnectionsPerServer);
        Assert.Equal(Timeout.InfiniteTimeSpan, defaults.ConnectTimeout);
    }

    [Fact]
    public async Task CreateHttpClient_OverriddenInnerHandler_StillSendsThroughZespan()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var custom = new CustomInnerFactory(h.Services);
        var config = new TestServiceConfig { ServiceURL = h.Provider.BaseUrl.ToString(), HttpClientFactory = custom };
        var signed = SignedRequest.Converse(h.Provider.BaseUrl, config, NovaLite, Fixtures.Bytes("bedrock-converse.request.json"));

        await signed.SendAsync(config);

        Assert.Equal(1, custom.Sent);
        Assert.Equal(NovaLite, (string?)Assert.Single(await h.FlushAsync())["model"]);
    }

    [Fact]
    public async Task CacheMembers_FollowConfigAndNeverShareGlobally()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var factory = new ZespanAwsHttpClientFactory(h.Services);
        var cached = new TestServiceConfig { CacheHttpClient = true };
        var uncached = new TestServiceConfig { CacheHttpClient = false };

        Assert.True(factory.UseSDKHttpClientCaching(cached));
        Assert.False(factory.DisposeHttpClientsAfterUse(cached));
        Assert.False(factory.UseSDKHttpClientCaching(uncached));
        Assert.True(factory.DisposeHttpClientsAfterUse(uncached));
        Assert.Null(factory.GetConfigUniqueString(cached));
    }

    [Fact]
    public void Constructor_WithoutAddZespan_ThrowsNamingTheFix()
    {
        using var services = new ServiceCollection().BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => new ZespanAwsHttpClientFactory(services));

        Assert.Contains("AddZespan", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseZespan_Config_SetsFactoryAndReturnsSameConfig()
    {
        await using var h = await ZespanTestHost.StartAwsAsync(AwsHost.Serve("bedrock-converse.json"));
        var config = new TestServiceConfig();

        var returned = config.UseZespan(h.Services);

        Assert.Same(config, returned);
        Assert.IsType<ZespanAwsHttpClientFactory>(config.HttpClientFactory);
    }

    private sealed class ProbeFactory(IServiceProvider services) : ZespanAwsHttpClientFactory(services)
    {
        public HttpMessageHandler Inner(IClientConfig config) => CreateInnerHandler(config);
    }

    private sealed class CustomInnerFactory(IServiceProvider services) : ZespanAwsHttpClientFactory(services)
    {
        private int _sent;

        public int Sent => _sent;

        protected override HttpMessageHandler CreateInnerHandler(IClientConfig clientConfig) =>
            new CountingHandler(this) { InnerHandler = base.CreateInnerHandler(clientConfig) };

        private sealed class CountingHandler(CustomInnerFactory owner) : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner._sent);
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
