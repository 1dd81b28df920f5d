using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenAI;
using OpenAI.Chat;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Testing;
using TestServer = Zespan.Testing.LoopbackServer;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// Process-wide capture's guarantees: pass-through (same bytes, as they arrive), one event per logical call,
/// nothing for other hosts or Zespan's own calls, the options, failures, and isolation between hosts of one process.
/// </summary>
public class HttpDiagnosticsCaptureTests
{
    private const string ChatBody = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static ChatClient OpenAIChat(HttpClient http, Uri baseUrl) =>
        new("gpt-4o-mini", new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    [Fact]
    public async Task ReadAsync_ServerPausesMidStream_FirstChunkReachesTheCallerBeforeTheServerFinishes()
    {
        var first = "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"u8.ToArray();
        var rest = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\ndata: [DONE]\n\n"u8.ToArray();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await ProcessWideHarness.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.WriteAsync(first);
            await context.Response.Body.FlushAsync();
            await release.Task;
            await context.Response.Body.WriteAsync(rest);
        });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.BaseUrl, "v1/chat/completions")) { Content = Json(ChatBody.Replace("\"messages\"", "\"stream\":true,\"messages\"", StringComparison.Ordinal)) };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);

        // The server still holds the rest: what the caller has is exactly the first part, nothing was buffered.
        Assert.Equal(first, buffer[..read]);
        release.SetResult();
        using var remainder = new MemoryStream();
        await stream.CopyToAsync(remainder);
        Assert.Equal(rest, remainder.ToArray());
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("Hello", (string?)e["completion_message"]!["content"]);
        Assert.Equal(5, (int)e["total_tokens"]!);
    }

    [Theory]
    [InlineData("openai-chat.json", "application/json", false)]
    [InlineData("openai-chat-stream.sse", "text/event-stream", true)]
    public async Task SendAsync_WithAndWithoutCapture_CallerGetsIdenticalStatusHeadersAndBytes(string fixture, string contentType, bool chunked)
    {
        var body = Fixtures.Bytes(fixture);
        Func<HttpContext, RecordedRequest, Task> serve = async (context, _) =>
        {
            context.Response.ContentType = contentType;
            context.Response.Headers["x-request-id"] = "req-1";
            if (!chunked)
            {
                context.Response.ContentLength = body.Length;
            }

            await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await context.Response.Body.FlushAsync();
            await context.Response.Body.WriteAsync(body.AsMemory(body.Length / 2));
        };
        await using var captured = await ProcessWideHarness.StartAsync(serve);
        await using var bare = await ProcessWideHarness.StartAsync(serve, instrumentation: o => o.IncludeNonFactoryClients = false);

        var (withStatus, withHeaders, withBytes) = await CallAsync(captured.BaseUrl);
        var (withoutStatus, withoutHeaders, withoutBytes) = await CallAsync(bare.BaseUrl);

        Assert.Equal(body, withBytes);
        Assert.Equal(withoutBytes, withBytes);
        Assert.Equal(withoutStatus, withStatus);
        Assert.Equal(withoutHeaders, withHeaders);
        Assert.Single(await captured.FlushAsync());
        Assert.Empty(await bare.FlushAsync());

        static async Task<(HttpStatusCode, string, byte[])> CallAsync(Uri baseUrl)
        {
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "v1/chat/completions")) { Content = Json(ChatBody) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var headers = string.Join("|", response.Headers.Concat(response.Content.Headers)
                .Where(h => h.Key is not "Date")
                .OrderBy(h => h.Key, StringComparer.Ordinal)
                .Select(h => h.Key + "=" + string.Join(",", h.Value)));
            return (response.StatusCode, headers, bytes);
        }
    }

    [Fact]
    public async Task SendAsync_AutomaticDecompression_CallerGetsTheInflatedBytesAndTheEventItsFields()
    {
        var json = Fixtures.Bytes("openai-chat.json");
        await using var h = await ProcessWideHarness.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers.ContentEncoding = "br";
            using var compressed = new MemoryStream();
            using (var brotli = new System.IO.Compression.BrotliStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                brotli.Write(json);
            }

            await context.Response.Body.WriteAsync(compressed.ToArray());
        });
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });

        using var response = await http.PostAsync(new Uri(h.BaseUrl, "v1/chat/completions"), Json(ChatBody));

        Assert.Equal(json, await response.Content.ReadAsByteArrayAsync());
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("Hello! How can I assist you today?", (string?)e["completion_message"]!["content"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
    }

    [Fact]
    public async Task SendAsync_FactoryClientWithItsOwnHandler_RecordsOneEvent()
    {
        await using var h = await ProcessWideHarness.StartAsync(
            ProcessWideHarness.Serve("openai-chat.json"),
            services: (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(o => o.ProviderName = "acme"));
        var factory = h.Services.GetRequiredService<IHttpClientFactory>();

        await OpenAIChat(factory.CreateClient("openai"), h.BaseUrl).CompleteChatAsync([new UserChatMessage("hello")]);

        // The handler's event (its label), not a second one from the runtime's diagnostics.
        Assert.Equal("acme", (string?)Assert.Single(await h.FlushAsync())["provider"]);
    }

    [Fact]
    public async Task SendAsync_FactoryClientInstrumentedByInstrumentAllHttpClients_RecordsOneEvent()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"), services: (s, _) => s.AddHttpClient("any"));
        var factory = h.Services.GetRequiredService<IHttpClientFactory>();

        await OpenAIChat(factory.CreateClient("any"), h.BaseUrl).CompleteChatAsync([new UserChatMessage("hello")]);
        await OpenAIChat(factory.CreateClient("any"), h.BaseUrl).CompleteChatAsync([new UserChatMessage("again")]);

        Assert.Equal(2, (await h.FlushAsync()).Count);
    }

    [Fact]
    public async Task SendAsync_ZespanInstrumentationCreateHttpClient_RecordsOneEvent()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        using var http = ZespanInstrumentation.CreateHttpClient(h.Services, ZespanProvider.OpenAI, o => o.ProviderName = "direct");

        await OpenAIChat(http, h.BaseUrl).CompleteChatAsync([new UserChatMessage("hello")]);

        Assert.Equal("direct", (string?)Assert.Single(await h.FlushAsync())["provider"]);
    }

    [Fact]
    public async Task SendAsync_OtherHostsAndOtherPaths_NoEventAndNothingAddedToTheRequest()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        await using var other = await TestServer.StartAsync(static async (context, _) => await context.Response.WriteAsync("{}"));
        using var http = new HttpClient();

        using var otherHost = await http.PostAsync(new Uri(other.BaseUrl, "v1/chat/completions"), Json(ChatBody));
        using var otherPath = await http.GetAsync(new Uri(h.BaseUrl, "v1/models"));
        await otherHost.Content.ReadAsByteArrayAsync();
        await otherPath.Content.ReadAsByteArrayAsync();

        Assert.Empty(await h.FlushAsync());
        Assert.Null(other.Requests[0].Header("traceparent"));
        Assert.Null(h.Provider.Requests[0].Header("traceparent"));
        Assert.NotEqual(nameof(CapturingContent), otherHost.Content.GetType().Name);
    }

    [Fact]
    public async Task SendAsync_ZespanOwnRequest_IsNeverRecorded()
    {
        await using var h = await ProcessWideHarness.StartAsync(
            ProcessWideHarness.Serve("openai-chat.json"),
            configure: o => o.ProviderEndpoints.Add(new ProviderEndpoint { Host = o.BaseUrl.Authority })); // the backend's host too
        using var http = new HttpClient();
        using var marked = new HttpRequestMessage(HttpMethod.Post, new Uri(h.BaseUrl, "v1/chat/completions")) { Content = Json(ChatBody) };
        ZespanOwnRequests.Mark(marked);

        using var response = await http.SendAsync(marked);
        await response.Content.ReadAsByteArrayAsync();
        Assert.True(await h.Services.GetRequiredService<IZespanClient>().FlushAsync()); // a backend call, seen by the runtime's diagnostics or not
        using var plain = await http.PostAsync(new Uri(h.BaseUrl, "v1/chat/completions"), Json(ChatBody));
        await plain.Content.ReadAsByteArrayAsync();

        // Only the unmarked call; the backend's own ingest calls are not LLM calls either way.
        Assert.Single(await h.FlushAsync());
    }

    [Fact]
    public void CreateRequest_BackendRequest_IsMarkedAsZespansOwn()
    {
        var options = new Configuration.TestOptionsMonitor(new ZespanOptions { ApiKey = "zsp_test", BaseUrl = new Uri("https://api.zespan.com") });
        using var backend = new ZespanBackendClient(options, TimeProvider.System);

        using var request = backend.CreateRequest(HttpMethod.Post, "v1/traces/ingest");

        Assert.True(ZespanOwnRequests.IsMarked(request));
    }

    [Fact]
    public async Task IncludeNonFactoryClients_False_PlainClientIsNotRecordedAndFactoryClientsStillAre()
    {
        await using var h = await ProcessWideHarness.StartAsync(
            ProcessWideHarness.Serve("openai-chat.json"),
            instrumentation: o => o.IncludeNonFactoryClients = false,
            services: (s, _) => s.AddHttpClient("any"));
        using var plain = new HttpClient();

        await OpenAIChat(plain, h.BaseUrl).CompleteChatAsync([new UserChatMessage("plain")]);
        await OpenAIChat(h.Services.GetRequiredService<IHttpClientFactory>().CreateClient("any"), h.BaseUrl).CompleteChatAsync([new UserChatMessage("factory")]);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("factory", (string?)e["prompt_messages"]![0]!["content"]);
        Assert.Empty(h.Host.Services.GetServices<IHostedService>().OfType<HttpDiagnosticsCapture>());
    }

    [Fact]
    public async Task TwoHostsInOneProcess_EachRecordsOnlyTheEndpointsItMaps()
    {
        await using var first = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        await using var second = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        using var http = new HttpClient();

        await OpenAIChat(http, first.BaseUrl).CompleteChatAsync([new UserChatMessage("to first")]);
        await OpenAIChat(http, second.BaseUrl).CompleteChatAsync([new UserChatMessage("to second")]);

        Assert.Equal("to first", (string?)Assert.Single(await first.FlushAsync())["prompt_messages"]![0]!["content"]);
        Assert.Equal("to second", (string?)Assert.Single(await second.FlushAsync())["prompt_messages"]![0]!["content"]);
    }

    [Fact]
    public async Task SendAsync_ProviderUnreachable_CallerGetsTheSameFailureAndTheEventRecordsIt()
    {
        var closed = ClosedPort();
        await using var h = await ProcessWideHarness.StartAsync(
            ProcessWideHarness.Serve("openai-chat.json"),
            configure: o => o.ProviderEndpoints.Add(new ProviderEndpoint { Host = $"127.0.0.1:{closed}", ProviderName = "down" }));
        using var http = new HttpClient();

        var captured = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync($"http://127.0.0.1:{closed}/v1/chat/completions", Json(ChatBody)));

        Assert.Equal(HttpRequestError.ConnectionError, captured.HttpRequestError);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("down", (string?)e["provider"]);
        Assert.Equal(0, (int)e["status_code"]!);
        Assert.Equal(typeof(HttpRequestException).FullName, (string?)e["error"]!["type"]);
        Assert.Equal("hello", (string?)e["prompt_messages"]![0]!["content"]);
    }

    [Fact]
    public async Task SendAsync_StorePromptsOff_RecordsModelAndTokensWithoutText()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"), configure: o => o.StorePrompts = false);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(h.BaseUrl, "v1/chat/completions"), Json(ChatBody));
        await response.Content.ReadAsByteArrayAsync();

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.Null(e["prompt_messages"]);
        Assert.Null(e["completion_message"]);
    }

    [Fact]
    public async Task SendAsync_TraceSampledOut_NoEventAndTheResponseIsNotWrapped()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"), configure: o => o.SampleRate = 0);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.BaseUrl, "v1/chat/completions")) { Content = Json(ChatBody) };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.NotEqual(nameof(CapturingContent), response.Content.GetType().Name);
        Assert.Equal(Fixtures.Bytes("openai-chat.json"), await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(await h.FlushAsync());
    }

    [Fact]
    public async Task Send_SynchronousPath_RecordsTheCall()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.BaseUrl, "v1/chat/completions")) { Content = Json(ChatBody) };

        using var response = http.Send(request);
        using (var body = response.Content.ReadAsStream())
        {
            body.CopyTo(Stream.Null);
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("Hello! How can I assist you today?", (string?)e["completion_message"]!["content"]);
    }

    [Fact]
    public async Task SendAsync_Redirected_RecordsOneEventForTheCallThatAnswered()
    {
        await using var h = await ProcessWideHarness.StartAsync(async (context, request) =>
        {
            if (request.Path.StartsWith("/old/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = "/v1/chat/completions";
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Fixtures.Bytes("openai-chat.json"));
        });
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(h.BaseUrl, "old/v1/chat/completions"), Json(ChatBody));
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(2, h.Provider.Requests.Count);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(200, (int)e["status_code"]!);
    }

    [Fact]
    public async Task SendAsync_UnderAnAmbientActivity_EventJoinsTheAppsTraceUnderItsSpan()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        using var http = new HttpClient();
        using var app = new Activity("app.request").SetIdFormat(ActivityIdFormat.W3C).Start();

        using var response = await http.PostAsync(new Uri(h.BaseUrl, "v1/chat/completions"), Json(ChatBody));
        await response.Content.ReadAsByteArrayAsync();
        app.Stop();

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(app.TraceId.ToHexString(), (string?)e["trace_id"]);
        Assert.Equal(app.SpanId.ToHexString(), (string?)e["parent_span_id"]);
    }

    [Fact]
    public async Task StopAsync_HostStopped_CallsPassThroughUntouched()
    {
        var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        var capture = Assert.Single(h.Host.Services.GetServices<IHostedService>().OfType<HttpDiagnosticsCapture>());
        try
        {
            using var http = new HttpClient();
            using (var recorded = await http.PostAsync(new Uri(h.BaseUrl, "v1/chat/completions"), Json(ChatBody)))
            {
                await recorded.Content.ReadAsByteArrayAsync();
            }

            Assert.True(capture.IsListening);
            Assert.Single(await h.FlushAsync());
            await h.Host.StopAsync();

            using var response = await http.PostAsync(new Uri(h.BaseUrl, "v1/chat/completions"), Json(ChatBody));

            Assert.False(capture.IsListening);
            Assert.NotEqual(nameof(CapturingContent), response.Content.GetType().Name);
        }
        finally
        {
            h.Host.Dispose();
            await h.Provider.DisposeAsync();
            await h.Backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_GuardrailsConfigured_LogsOnceThatProcessWideCallsAreObservedOnly()
    {
        await using var h = await ProcessWideHarness.StartAsync(
            ProcessWideHarness.Serve("openai-chat.json"),
            configure: o => o.GuardrailRules.Add(new GuardrailRule { Provider = "*" }));

        var log = Assert.Single(h.Logs.GetSnapshot(), l => l.Id.Id == ZespanLogEvents.ProcessWideCaptureObserveOnly);
        Assert.Contains("guardrails apply only to calls through a Zespan handler", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NothingHandlerOnlyConfigured_LogsNothing()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));

        Assert.DoesNotContain(h.Logs.GetSnapshot(), l => l.Id.Id is ZespanLogEvents.ProcessWideCaptureObserveOnly or ZespanLogEvents.ProcessWideCaptureUnavailable);
    }

    [Fact]
    public async Task IsEnabled_RequestsToOtherHosts_AllocateNothing()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));
        var capture = Assert.Single(h.Host.Services.GetServices<IHostedService>().OfType<HttpDiagnosticsCapture>());
        var observer = (IObserver<KeyValuePair<string, object?>>)capture;
        var requests = Enumerable.Range(0, 500).Select(i => new HttpRequestMessage(HttpMethod.Get, $"https://inventory{i}.internal.example.com/api/items")).ToArray();
        var payloads = requests.Select(r => new StartPayload(r)).ToArray();
        using var ambient = new Activity("app").Start();

        Run(0, 10); // warm up: first calls of the checks, and of the payload getter (reflection makes its fast path on a later call)

        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10, requests.Length);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Run(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                Assert.False(capture.IsEnabled("System.Net.Http.HttpRequestOut", requests[i], null));
                Assert.True(capture.IsEnabled("System.Net.Http.HttpRequestOut.Start", null, null));
                observer.OnNext(new("System.Net.Http.HttpRequestOut.Start", payloads[i]));
                Assert.False(capture.IsEnabled("System.Net.Http.HttpRequestOut.Stop", null, null));
                Assert.False(capture.IsEnabled("System.Net.Http.Request", null, null));
            }
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Shaped as the runtime's <c>ActivityStartData</c>: a public <c>Request</c>.</summary>
    private sealed class StartPayload(HttpRequestMessage request)
    {
        public HttpRequestMessage Request { get; } = request;
    }
}
