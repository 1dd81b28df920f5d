using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zespan.Extensions;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Benchmarks;

/// <summary>Who listens to the runtime's <c>HttpHandlerDiagnosticListener</c> while a request is sent.</summary>
public enum HttpListener
{
    /// <summary>Nobody: the bare runtime.</summary>
    None,

    /// <summary>A subscriber that asks for nothing (what any HTTP instrumentation costs the runtime before its own code).</summary>
    NoOpSubscriber,

    /// <summary>Zespan's process-wide capture.</summary>
    Zespan,
}

/// <summary>
/// What process-wide capture (<c>InstrumentAllHttpClients</c>, <c>IncludeNonFactoryClients</c>) costs every request of
/// the process that does not go to an LLM: a real <see cref="SocketsHttpHandler"/> (whose diagnostics handler raises
/// the events) over an in-memory connection, so no socket noise buries the difference; bare, beside a subscriber that
/// asks for nothing, beside Zespan; without and with an ambient activity (an ASP.NET Core request has one).
/// </summary>
[MemoryDiagnoser]
public class ProcessWideCaptureBenchmarks
{
    private readonly Uri _uri = new("http://inventory.internal.example.com/api/items?page=2");
    private HttpClient _client = null!;
    private ServiceProvider? _services;
    private HttpDiagnosticsCapture? _capture;
    private IDisposable? _noOp;
    private Activity? _ambient;

    [Params(HttpListener.None, HttpListener.NoOpSubscriber, HttpListener.Zespan)]
    public HttpListener Listener { get; set; }

    [Params(false, true)]
    public bool AmbientActivity { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = static (_, _) => ValueTask.FromResult<Stream>(new CannedHttpConnection("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"u8.ToArray())),
        });
        switch (Listener)
        {
            case HttpListener.NoOpSubscriber:
                _noOp = DiagnosticListener.AllListeners.Subscribe(new NoOpSubscriber());
                break;
            case HttpListener.Zespan:
                var services = new ServiceCollection();
                services.AddLogging();
                services.AddZespan(o =>
                {
                    o.ApiKey = "zsp_bench_0123456789";
                    o.BaseUrl = new Uri("http://127.0.0.1:9/");
                    o.DisableConfigSync = true;
                    o.FlushInterval = TimeSpan.FromHours(1);
                    o.ProviderEndpoints.Add(new ProviderEndpoint { Host = "localhost:11434", ProviderName = "ollama" });
                }).InstrumentAllHttpClients();
                _services = services.BuildServiceProvider();
                _capture = _services.GetServices<IHostedService>().OfType<HttpDiagnosticsCapture>().Single();
                _capture.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
                break;
        }

        if (AmbientActivity)
        {
            _ambient = new Activity("app.request").SetIdFormat(ActivityIdFormat.W3C).Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ambient?.Stop();
        _capture?.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services?.Dispose();
        _noOp?.Dispose();
        _client.Dispose();
    }

    /// <summary>One GET to a host that is not an LLM provider, response read.</summary>
    [Benchmark]
    public async Task<int> NonLlmRequest()
    {
        using var response = await _client.GetAsync(_uri).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    /// <summary>Subscribes to the runtime's listener and asks for nothing.</summary>
    private sealed class NoOpSubscriber : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private static readonly Func<string, object?, object?, bool> Nothing = static (_, _, _) => false;

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == HttpDiagnosticsCapture.ListenerName)
            {
                value.Subscribe(this, Nothing);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}

/// <summary>
/// Zespan's own code on a request that is not an LLM call: the runtime's questions to the listener and the
/// <c>HttpRequestOut.Start</c> event that an ambient activity makes it write, called directly.
/// </summary>
[MemoryDiagnoser]
public class ProcessWideCaptureCallbackBenchmarks
{
    private HttpRequestMessage _request = null!;
    private object _payload = null!;
    private ServiceProvider _services = null!;
    private HttpDiagnosticsCapture _capture = null!;
    private IObserver<KeyValuePair<string, object?>> _observer = null!;
    private Activity _ambient = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddZespan(o =>
        {
            o.ApiKey = "zsp_bench_0123456789";
            o.BaseUrl = new Uri("http://127.0.0.1:9/");
            o.DisableConfigSync = true;
            o.ProviderEndpoints.Add(new ProviderEndpoint { Host = "localhost:11434", ProviderName = "ollama" });
        }).InstrumentAllHttpClients();
        _services = services.BuildServiceProvider();
        _capture = _services.GetServices<IHostedService>().OfType<HttpDiagnosticsCapture>().Single();
        _observer = _capture;
        _request = new HttpRequestMessage(HttpMethod.Get, "https://inventory.internal.example.com:8443/api/items?page=2");
        _payload = new StartPayload(_request);
        _ambient = new Activity("app.request").Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ambient.Stop();
        _services.Dispose();
        _request.Dispose();
    }

    /// <summary>No ambient activity: the runtime asks whether to start its activity for this request (no).</summary>
    [Benchmark]
    public bool ActivityQuestion() => _capture.IsEnabled("System.Net.Http.HttpRequestOut", _request, null);

    /// <summary>An ambient activity: the Start event is written and looked at, and the Stop question answered (no).</summary>
    [Benchmark]
    public bool StartEventAndStopQuestion()
    {
        _ = _capture.IsEnabled("System.Net.Http.HttpRequestOut.Start", null, null);
        _observer.OnNext(new KeyValuePair<string, object?>("System.Net.Http.HttpRequestOut.Start", _payload));
        _ = _capture.IsEnabled("System.Net.Http.Request", null, null);
        return _capture.IsEnabled("System.Net.Http.HttpRequestOut.Stop", null, null);
    }

    private sealed class StartPayload(HttpRequestMessage request)
    {
        public HttpRequestMessage Request { get; } = request;
    }
}

/// <summary>
/// An HTTP/1.1 connection in memory: every request written (a GET: headers up to the blank line) is answered with
/// the same canned response. What <see cref="SocketsHttpHandler"/> does above it is the real code path.
/// </summary>
internal sealed class CannedHttpConnection(byte[] response) : Stream
{
    private static readonly byte[] EndOfHeaders = "\r\n\r\n"u8.ToArray();
    private readonly SemaphoreSlim _requests = new(0);
    private int _matched;
    private int _offset = response.Length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_offset == response.Length)
        {
            await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
            _offset = 0;
        }

        var count = Math.Min(buffer.Length, response.Length - _offset);
        response.AsSpan(_offset, count).CopyTo(buffer.Span);
        _offset += count;
        return count;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        foreach (var b in buffer)
        {
            _matched = b == EndOfHeaders[_matched] ? _matched + 1 : b == EndOfHeaders[0] ? 1 : 0;
            if (_matched == EndOfHeaders.Length)
            {
                _matched = 0;
                _requests.Release();
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _requests.Dispose();
        }

        base.Dispose(disposing);
    }
}
