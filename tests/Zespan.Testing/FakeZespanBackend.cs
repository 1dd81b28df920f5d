using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Zespan.Testing;

/// <summary>A request the backend received, body decompressed.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body, byte[] RawBody)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The body parsed as JSON.</summary>
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    /// <summary>A header value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>A canned answer to the next request(s) on one path.</summary>
public sealed record CannedResponse(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan? Delay = null);

/// <summary>
/// A real Kestrel server on 127.0.0.1 (port 0) speaking the Zespan HTTP API (shared/spec/zespan-api.md):
/// records everything it receives, stores ingested events once per <c>batch_id</c>, serves remote
/// configuration with ETags, prompts and guardrail checks, and fails on demand.
/// </summary>
public sealed partial class FakeZespanBackend : IAsyncDisposable
{
    /// <summary>The API key the backend accepts by default.</summary>
    public const string ValidApiKey = "zsp_test_0123456789";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<CannedResponse>> _canned = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> _batchIds = new();
    private readonly List<JsonObject> _events = [];
    private readonly List<JsonObject> _batches = [];
    private readonly object _gate = new();
    private readonly ConditionWaiters _waiters = new();

    private FakeZespanBackend(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Gets the base URL (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Gets or sets the API keys accepted; any other gets 401. Empty: any key.</summary>
    public HashSet<string> AcceptedKeys { get; } = new(StringComparer.Ordinal) { ValidApiKey };

    /// <summary>Gets or sets a hook run before the built-in handling; return true when it wrote the response.</summary>
    public Func<HttpContext, RecordedRequest, Task<bool>>? Intercept { get; set; }

    /// <summary>Gets every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Gets the requests received on one path.</summary>
    public IReadOnlyList<RecordedRequest> RequestsTo(string path) =>
        _requests.Where(r => string.Equals(r.Path, path, StringComparison.OrdinalIgnoreCase)).ToArray();

    /// <summary>Gets the events accepted (stored once per batch id).</summary>
    public IReadOnlyList<JsonObject> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>Gets the accepted batches (the envelope without duplicates).</summary>
    public IReadOnlyList<JsonObject> Batches
    {
        get
        {
            lock (_gate)
            {
                return _batches.ToArray();
            }
        }
    }

    /// <summary>Starts a backend on 127.0.0.1 with a free port.</summary>
    public static async Task<FakeZespanBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new FakeZespanBackend(app);
        app.Run(backend.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return backend;
    }

    /// <summary>Answers the next <paramref name="count"/> requests on <paramref name="path"/> with <paramref name="response"/>.</summary>
    public void Enqueue(string path, CannedResponse response, int count = 1)
    {
        var queue = _canned.GetOrAdd(path, static _ => new ConcurrentQueue<CannedResponse>());
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(response);
        }
    }

    /// <summary>Fails the next <paramref name="count"/> requests on <paramref name="path"/> with <paramref name="status"/>.</summary>
    public void FailNext(string path, int count, HttpStatusCode status = HttpStatusCode.ServiceUnavailable) =>
        Enqueue(path, new CannedResponse((int)status, """{"error":{"type":"unavailable","message":"failing on demand"}}"""), count);

    /// <summary>Drops every canned response.</summary>
    public void ClearCanned() => _canned.Clear();

    /// <summary>Waits until at least <paramref name="count"/> events were accepted.</summary>
    public Task WaitForEventsAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => _events.Count >= count, timeout, $"{count} events");

    /// <summary>Waits until at least <paramref name="count"/> requests reached <paramref name="path"/>.</summary>
    public Task WaitForRequestsAsync(string path, int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => RequestsTo(path).Count >= count, timeout, $"{count} requests to {path}");

    /// <summary>Waits (signalled, no polling) until a condition over the recorded state holds.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout, string what)
    {
        try
        {
            await _waiters.WaitAsync(condition, timeout ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The fake backend did not see {what} in time; it has {_events.Count} events and {_requests.Count} requests.");
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void Notify() => _waiters.Notify();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var raw = new MemoryStream();
        await request.Body.CopyToAsync(raw).ConfigureAwait(false);
        var rawBytes = raw.ToArray();
        var body = rawBytes;
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase) && rawBytes.Length > 0)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(rawBytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                await gz.CopyToAsync(plain).ConfigureAwait(false);
                body = plain.ToArray();
            }
            catch (InvalidDataException)
            {
                body = [];
            }
        }

        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? string.Empty, headers, body, rawBytes);
        _requests.Enqueue(recorded);
        try
        {
            if (Intercept is { } intercept && await intercept(context, recorded).ConfigureAwait(false))
            {
                return;
            }

            if (_canned.TryGetValue(recorded.Path, out var queue) && queue.TryDequeue(out var canned))
            {
                if (canned.Delay is { } delay)
                {
                    await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
                }

                context.Response.StatusCode = canned.Status;
                foreach (var (k, v) in canned.Headers ?? new Dictionary<string, string>())
                {
                    context.Response.Headers[k] = v;
                }

                if (canned.Body is not null)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(canned.Body).ConfigureAwait(false);
                }

                return;
            }

            var auth = request.Headers.Authorization.ToString();
            var key = auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth["Bearer ".Length..] : null;
            if (AcceptedKeys.Count > 0 && (key is null || !AcceptedKeys.Contains(key)))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await WriteErrorAsync(context, 401, "unauthorized", "invalid API key").ConfigureAwait(false);
                return;
            }

            await RouteAsync(context, recorded).ConfigureAwait(false);
        }
        finally
        {
            Notify();
        }
    }

    private async Task RouteAsync(HttpContext context, RecordedRequest recorded)
    {
        var path = recorded.Path;
        var method = recorded.Method;
        if (path == "/v1/ingest" && method == "POST")
        {
            await HandleIngestAsync(context, recorded).ConfigureAwait(false);
        }
        else if (path == "/v1/config" && method == "GET")
        {
            await HandleConfigAsync(context).ConfigureAwait(false);
        }
        else if (path == "/v1/guardrails/check" && method == "POST")
        {
            await HandleGuardrailAsync(context, recorded).ConfigureAwait(false);
        }
        else if (path.StartsWith("/v1/prompts", StringComparison.Ordinal))
        {
            await HandlePromptsAsync(context, recorded).ConfigureAwait(false);
        }
        else
        {
            await WriteErrorAsync(context, 404, "not_found", "no such endpoint").ConfigureAwait(false);
        }
    }

    private async Task HandleIngestAsync(HttpContext context, RecordedRequest recorded)
    {
        JsonObject? batch;
        try
        {
            batch = JsonNode.Parse(recorded.Body) as JsonObject;
        }
        catch (JsonException)
        {
            batch = null;
        }

        if (batch is null || batch["batch_id"] is not JsonValue id || !id.TryGetValue<string>(out var batchId) || batchId.Length == 0
            || batch["events"] is not JsonArray events)
        {
            await WriteErrorAsync(context, 400, "invalid_request", "malformed batch: batch_id and events are required").ConfigureAwait(false);
            return;
        }

        // As the dev server: the Idempotency-Key, when sent, is the batch id; dropped_since_last is a count.
        if (recorded.Header("Idempotency-Key") is { Length: > 0 } idempotencyKey && !string.Equals(idempotencyKey, batchId, StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "the Idempotency-Key header differs from batch_id").ConfigureAwait(false);
            return;
        }

        if (batch["dropped_since_last"] is { } dropped && (dropped is not JsonValue count || !count.TryGetValue<long>(out var n) || n < 0))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "dropped_since_last must be a count, not negative").ConfigureAwait(false);
            return;
        }

        var stored = _batchIds.TryAdd(batchId, 0);
        if (stored)
        {
            lock (_gate)
            {
                _batches.Add(batch);
                foreach (var e in events)
                {
                    if (e is JsonObject o)
                    {
                        _events.Add(o);
                    }
                }
            }
        }

        context.Response.StatusCode = 202;
        var answer = new JsonObject { ["accepted"] = events.Count };
        if (!stored)
        {
            answer["duplicate"] = true;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString()).ConfigureAwait(false);
    }

    /// <summary>Writes the protocol's error body.</summary>
    public static async Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var json = new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["message"] = message } };
        await context.Response.WriteAsync(json.ToJsonString()).ConfigureAwait(false);
    }
}
