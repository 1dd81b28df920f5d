using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions;

namespace Zespan.Benchmarks;

/// <summary>
/// The Zespan handler on the caller's path, side by side with a bare client: an OpenAI-shaped call with a
/// 2 KB response and a 200-chunk stream over loopback, and (where loopback noise would bury the difference)
/// the same through an in-memory inner handler, plus a pass-through call to a host that is not an LLM provider.
/// </summary>
[MemoryDiagnoser]
public class InstrumentationBenchmarks
{
    private static readonly byte[] RequestBody = """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Where is order 42?"}]}"""u8.ToArray();
    private WebApplication _provider = null!;
    private WebApplication _sink = null!;
    private ServiceProvider _services = null!;
    private HttpClient _bare = null!;
    private HttpClient _zespan = null!;
    private HttpMessageInvoker _bareInMemory = null!;
    private HttpMessageInvoker _zespanInMemory = null!;
    private HttpMessageInvoker _zespanInMemoryCallerOnly = null!;
    private ServiceProvider _callerOnlyServices = null!;
    private HttpMessageInvoker _bareOther = null!;
    private HttpMessageInvoker _zespanOther = null!;
    private Uri _json = null!;
    private Uri _stream = null!;
    private readonly Uri _other = new("https://api.github.com/repos");

    [GlobalSetup]
    public void Setup()
    {
        (_provider, var providerUrl) = BenchmarkServers.StartProviderAsync().GetAwaiter().GetResult();
        (_sink, var sinkUrl) = BenchmarkServers.StartSinkAsync().GetAwaiter().GetResult();
        _json = new Uri(providerUrl, "json/v1/chat/completions");
        _stream = new Uri(providerUrl, "stream/v1/chat/completions");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddZespan(o =>
        {
            o.ApiKey = "zsp_bench_0123456789";
            o.BaseUrl = sinkUrl;
            o.DisableConfigSync = true;
            o.MaxQueueSize = 100_000;
        });
        _services = services.BuildServiceProvider();
        _bare = new HttpClient(new SocketsHttpHandler());
        _zespan = ZespanInstrumentation.CreateHttpClient(_services, ZespanProvider.OpenAI);
        _bareInMemory = new HttpMessageInvoker(new StaticHandler(BenchmarkServers.ChatCompletion));
        _zespanInMemory = new HttpMessageInvoker(ZespanInstrumentation.CreateHandler(_services, ZespanProvider.OpenAI, innerHandler: new StaticHandler(BenchmarkServers.ChatCompletion)));
        // The caller's path alone: the queue is at its cap (one event, a backend that never answers), so each
        // event is refused at once and no export-thread work competes with the loop.
        var callerOnly = new ServiceCollection();
        callerOnly.AddLogging();
        callerOnly.AddZespan(o =>
        {
            o.ApiKey = "zsp_bench_0123456789";
            o.BaseUrl = new Uri("http://127.0.0.1:9/");
            o.DisableConfigSync = true;
            o.MaxQueueSize = 1;
            o.BatchSize = 100;
            o.FlushInterval = TimeSpan.FromHours(1);
        });
        _callerOnlyServices = callerOnly.BuildServiceProvider();
        _zespanInMemoryCallerOnly = new HttpMessageInvoker(ZespanInstrumentation.CreateHandler(_callerOnlyServices, ZespanProvider.OpenAI, innerHandler: new StaticHandler(BenchmarkServers.ChatCompletion)));
        _bareOther = new HttpMessageInvoker(new StaticHandler("ok"u8.ToArray()));
        _zespanOther = new HttpMessageInvoker(ZespanInstrumentation.CreateHandler(_services, provider: null, innerHandler: new StaticHandler("ok"u8.ToArray())));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.GetRequiredService<IZespanClient>().FlushAsync().GetAwaiter().GetResult();
        _bare.Dispose();
        _zespan.Dispose();
        _services.Dispose();
        _callerOnlyServices.Dispose();
        _provider.StopAsync().GetAwaiter().GetResult();
        _sink.StopAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "loopback 2 KB call, bare")]
    [BenchmarkCategory("call")]
    public async Task<int> Call_Bare() => await CallAsync(_bare, _json).ConfigureAwait(false);

    [Benchmark(Description = "loopback 2 KB call, Zespan")]
    public async Task<int> Call_Zespan() => await CallAsync(_zespan, _json).ConfigureAwait(false);

    [Benchmark(Description = "loopback stream, first chunk, bare")]
    public async Task<int> StreamFirstChunk_Bare() => await FirstChunkAsync(_bare).ConfigureAwait(false);

    [Benchmark(Description = "loopback stream, first chunk, Zespan")]
    public async Task<int> StreamFirstChunk_Zespan() => await FirstChunkAsync(_zespan).ConfigureAwait(false);

    [Benchmark(Description = "loopback 200-chunk stream, total, bare")]
    public async Task<int> StreamTotal_Bare() => await StreamAllAsync(_bare).ConfigureAwait(false);

    [Benchmark(Description = "loopback 200-chunk stream, total, Zespan")]
    public async Task<int> StreamTotal_Zespan() => await StreamAllAsync(_zespan).ConfigureAwait(false);

    [Benchmark(Description = "in-memory 2 KB call, bare")]
    public async Task<int> InMemoryCall_Bare() => await InvokeAsync(_bareInMemory, _json).ConfigureAwait(false);

    [Benchmark(Description = "in-memory 2 KB call, Zespan")]
    public async Task<int> InMemoryCall_Zespan() => await InvokeAsync(_zespanInMemory, _json).ConfigureAwait(false);

    [Benchmark(Description = "in-memory 2 KB call, Zespan, caller's path only (export refused)")]
    public async Task<int> InMemoryCallCallerOnly_Zespan() => await InvokeAsync(_zespanInMemoryCallerOnly, _json).ConfigureAwait(false);

    [Benchmark(Description = "in-memory pass-through (non-LLM host), bare")]
    public async Task<int> PassThrough_Bare() => await PassThroughAsync(_bareOther).ConfigureAwait(false);

    [Benchmark(Description = "in-memory pass-through (non-LLM host), Zespan")]
    public async Task<int> PassThrough_Zespan() => await PassThroughAsync(_zespanOther).ConfigureAwait(false);

    private static HttpRequestMessage Post(Uri uri)
    {
        var content = new ByteArrayContent(RequestBody);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
    }

    private static async Task<int> CallAsync(HttpClient client, Uri uri)
    {
        using var response = await client.SendAsync(Post(uri)).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return bytes.Length;
    }

    private static async Task<int> InvokeAsync(HttpMessageInvoker invoker, Uri uri)
    {
        using var response = await invoker.SendAsync(Post(uri), CancellationToken.None).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return bytes.Length;
    }

    private async Task<int> PassThroughAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _other);
        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    private async Task<int> FirstChunkAsync(HttpClient client)
    {
        using var response = await client.SendAsync(Post(_stream), HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var buffer = new byte[256];
        return await body.ReadAsync(buffer).ConfigureAwait(false);
    }

    private async Task<int> StreamAllAsync(HttpClient client)
    {
        using var response = await client.SendAsync(Post(_stream), HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var buffer = new byte[512];
        var total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>An inner handler that answers at once from memory.</summary>
    private sealed class StaticHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }
}
