using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Hosting;

/// <summary>Concurrency limits (ASP.NET Core rate limiting): past the permits and the queue, 429 with Retry-After and the protocol's error body.</summary>
public class RateLimitTests
{
    [Fact]
    public async Task Ingest_PastTheConcurrencyLimitAndQueue_Answers429_ThenServesAgain()
    {
        await using var server = await DevServerHost.StartAsync(o => (o.MaxConcurrentIngest, o.RequestQueueLimit) = (1, 0));
        var (_, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        using var held = new HeldBody(batch.ToJsonString());
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) };
        using var slowClient = new HttpClient(handler) { BaseAddress = server.BaseUrl };
        slowClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Key);
        using var slowRequest = new HttpRequestMessage(HttpMethod.Post, "v1/ingest") { Content = held };
        slowRequest.Headers.ExpectContinue = true; // the body is sent once the handler, inside the limit, starts reading it

        var slow = slowClient.SendAsync(slowRequest);
        await held.Reading.WaitAsync(TimeSpan.FromSeconds(30));

        var (_, other) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddMinutes(1));
        using var rejected = await server.PostJsonAsync("v1/ingest", other);
        using var readsStillServed = await server.Client.GetAsync("api/traces");
        held.Release();
        using var first = await slow;
        using var afterwards = await server.PostJsonAsync("v1/ingest", other);

        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal("1", Assert.Single(rejected.Headers.GetValues("Retry-After")));
        Assert.Equal("rate_limited", JsonNode.Parse(await rejected.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, readsStillServed.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, afterwards.StatusCode);
    }

    [Fact]
    public async Task Reads_PastTheConcurrencyLimitAndQueue_Answer429()
    {
        await using var server = await DevServerHost.StartAsync(o => (o.MaxConcurrentRequests, o.RequestQueueLimit) = (1, 0));
        using var held = new HeldBody("""{"name":"p","prompt":"hello"}""");
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) };
        using var slowClient = new HttpClient(handler) { BaseAddress = server.BaseUrl };
        slowClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Key);
        using var slowRequest = new HttpRequestMessage(HttpMethod.Post, "v1/prompts") { Content = held };
        slowRequest.Headers.ExpectContinue = true;

        var slow = slowClient.SendAsync(slowRequest);
        await held.Reading.WaitAsync(TimeSpan.FromSeconds(30));
        using var rejected = await server.Client.GetAsync("api/traces");
        using var health = await server.Client.GetAsync("healthz");
        held.Release();
        using var created = await slow;

        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    /// <summary>A JSON body that signals when the server asks for it (100 Continue) and is sent only when released.</summary>
    private sealed class HeldBody : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBody(string json)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        public Task Reading => _reading.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            _reading.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(_bytes);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }
}
