using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Zespan.Testing;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (port 0) that records every request and answers through a delegate:
/// the generic test double for anything that is not the Zespan API (an OTLP collector, an LLM provider).
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConditionWaiters _waiters = new();

    private LoopbackServer(WebApplication app) => _app = app;

    /// <summary>Gets the base URL (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Gets every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Starts a server whose answers come from <paramref name="handler"/> (the request body was already read and recorded).</summary>
    public static async Task<LoopbackServer> StartAsync(Func<HttpContext, RecordedRequest, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackServer(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body).ConfigureAwait(false);
            var bytes = body.ToArray();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var recorded = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, headers, bytes, bytes);
            server._requests.Enqueue(recorded);
            try
            {
                await handler(context, recorded).ConfigureAwait(false);
            }
            finally
            {
                server.Notify();
            }
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>Waits (signalled) until at least <paramref name="count"/> requests were received.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null) =>
        _waiters.WaitAsync(() => _requests.Count >= count, timeout ?? TimeSpan.FromSeconds(30));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void Notify() => _waiters.Notify();
}
