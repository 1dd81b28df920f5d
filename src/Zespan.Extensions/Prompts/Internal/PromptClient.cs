using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Prompts.Internal;

/// <summary>
/// The <see cref="IPromptClient"/>: HTTP through <see cref="ZespanBackendClient"/> (private, never instrumented, so prompt
/// fetches are never traced), and its own cache (a <see cref="ConcurrentDictionary{TKey, TValue}"/>, not the app's
/// <c>IMemoryCache</c>, so an app's size limit or eviction policy cannot affect it).
/// </summary>
/// <remarks>
/// <para>
/// A cache entry holds the completed <see cref="Task{TResult}"/> itself, so a hit returns it without allocating, and a
/// one-shot <see cref="TimeProvider"/> timer that marks it stale after the TTL, so a hit reads a flag instead of the clock.
/// </para>
/// <para>
/// Concurrent misses of one key share one fetch, started with no caller's token and no caller's execution context
/// (bounded by the backend pipeline's timeout); each caller waits on it with its own token.
/// </para>
/// <para>
/// A hit on a stale entry starts at most one background refresh per key. Success replaces the entry; a 404 evicts it;
/// any other failure keeps it and marks it fresh again for min(TTL, 30 s), the delay before the next attempt.
/// </para>
/// <para>
/// The cache holds at most <see cref="ZespanOptions.PromptCacheMaxEntries"/> entries. A hit stamps its entry with a
/// use counter (one interlocked increment, no allocation); storing a new key past the bound evicts the entries with
/// the oldest stamps (least recently used), under a lock that only stores take.
/// </para>
/// <para>
/// Create and relabel invalidate every entry of the prompt's name. A generation counter stops a fetch that was in
/// flight during an invalidation from storing what it read before it.
/// </para>
/// </remarks>
internal sealed class PromptClient : IPromptClient, IDisposable
{
    /// <summary>The label fetched when neither a label nor a version is given.</summary>
    public const string DefaultLabel = "production";

    private static readonly TimeSpan MaxRefreshRetryDelay = TimeSpan.FromSeconds(30);

    private readonly ZespanBackendClient _backend;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<PromptCacheKey, CacheEntry> _cache = new(PromptCacheKey.Comparer);
    private readonly ConcurrentDictionary<PromptCacheKey, Task<Prompt>> _inflight = new(PromptCacheKey.Comparer);
    private readonly ConcurrentDictionary<PromptCacheKey, Task> _refreshes = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _evictGate = new();
    private long _useClock;
    private readonly IDisposable? _optionsSubscription;
    private volatile Settings _settings;
    private int _generation;

    public PromptClient(ZespanBackendClient backend, IOptionsMonitor<ZespanOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _backend = backend;
        _options = options;
        _time = timeProvider;
        _logger = loggerFactory.CreateLogger("Zespan");
        _settings = Settings.From(options.CurrentValue);
        _optionsSubscription = options.OnChange(OnOptionsChanged);
    }

    /// <inheritdoc/>
    public Task<Prompt> GetAsync(string name, string? label = null, int? version = null, CancellationToken cancellationToken = default)
    {
        var key = CreateKey(name, label, version);
        var settings = _settings;
        if (!settings.Enabled)
        {
            return Task.FromException<Prompt>(new InvalidOperationException(
                "Zespan is disabled (Zespan:Enabled is false), so prompts cannot be fetched. Pass a fallback prompt to GetAsync, or set Zespan:Enabled to true with an API key."));
        }

        return GetCoreAsync(key, settings, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Prompt> GetAsync(string name, Prompt fallback, string? label = null, int? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        var key = CreateKey(name, label, version);
        var settings = _settings;
        if (!settings.Enabled)
        {
            PromptsLog.DisabledFallback(_logger, name);
            return Task.FromResult(AsFallback(fallback));
        }

        var task = GetCoreAsync(key, settings, cancellationToken);
        return task.IsCompletedSuccessfully ? task : AwaitOrFallbackAsync(task, key, fallback, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<PromptPage> ListAsync(string? name = null, string? label = null, int page = 1, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        EnsureEnabled();
        var path = new StringBuilder("v1/prompts?page=")
            .Append(page.ToString(CultureInfo.InvariantCulture))
            .Append("&limit=")
            .Append(limit.ToString(CultureInfo.InvariantCulture));
        if (name is not null)
        {
            path.Append("&name=").Append(Uri.EscapeDataString(name));
        }

        if (label is not null)
        {
            path.Append("&label=").Append(Uri.EscapeDataString(label));
        }

        return ListCoreAsync(path.ToString(), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Prompt> CreateAsync(CreatePromptRequest request, CancellationToken cancellationToken = default)
    {
        var body = BuildCreateBody(request);
        EnsureEnabled();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, PromptsJsonContext.Default.CreatePromptBody);
        return CreateCoreAsync(request.Name, bytes, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<Prompt> UpdateLabelsAsync(string name, int version, IEnumerable<string> labels, CancellationToken cancellationToken = default)
    {
        ValidateName(name, nameof(name));
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        ArgumentNullException.ThrowIfNull(labels);
        var list = new List<string>();
        foreach (var label in labels)
        {
            if (string.IsNullOrWhiteSpace(label))
            {
                throw new ArgumentException("A label must not be null, empty or white space.", nameof(labels));
            }

            if (!list.Contains(label))
            {
                list.Add(label);
            }
        }

        EnsureEnabled();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new UpdateLabelsBody { Labels = list }, PromptsJsonContext.Default.UpdateLabelsBody);
        var path = "v1/prompts/" + Uri.EscapeDataString(name) + "/versions/" + version.ToString(CultureInfo.InvariantCulture);
        return UpdateLabelsCoreAsync(name, version, path, bytes, cancellationToken);
    }

    /// <inheritdoc/>
    public string Compile(Prompt prompt, IReadOnlyDictionary<string, object?> variables) =>
        PromptCompiler.CompileText(prompt, variables);

    /// <inheritdoc/>
    public IReadOnlyList<PromptMessage> CompileChat(Prompt prompt, IReadOnlyDictionary<string, object?> variables) =>
        PromptCompiler.CompileChat(prompt, variables);

    /// <inheritdoc/>
    public void ClearCache()
    {
        Interlocked.Increment(ref _generation);
        foreach (var pair in _cache)
        {
            if (_cache.TryRemove(pair))
            {
                pair.Value.Dispose();
            }
        }

        _inflight.Clear();
    }

    /// <summary>Stops background refreshes and the options subscription.</summary>
    public void Dispose()
    {
        _optionsSubscription?.Dispose();
        _shutdown.Cancel();
        ClearCache();
    }

    /// <summary>For tests: completes when every background refresh started so far has finished.</summary>
    internal Task WhenRefreshesCompleteAsync() => Task.WhenAll(_refreshes.Values);

    /// <summary>For tests: the number of cached entries.</summary>
    internal int CachedCount => _cache.Count;

    private static void ValidateName(string name, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, paramName);
        if (name is "." or "..")
        {
            // A URL path resolves these segments away (even percent-encoded), so no request could name the prompt.
            throw new ArgumentException("A prompt name cannot be '.' or '..'.", paramName);
        }
    }

    private static PromptCacheKey CreateKey(string name, string? label, int? version)
    {
        ValidateName(name, nameof(name));
        if (version is { } v)
        {
            if (label is not null)
            {
                throw new ArgumentException("Give a label or a version, not both: a prompt is fetched by one of them.", nameof(version));
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(v, 1, nameof(version));
            return new PromptCacheKey(name, null, v);
        }

        if (label is not null && string.IsNullOrWhiteSpace(label))
        {
            throw new ArgumentException("The label must not be empty; pass null for the production label.", nameof(label));
        }

        return new PromptCacheKey(name, label ?? DefaultLabel, null);
    }

    private static Prompt AsFallback(Prompt fallback) => fallback.IsFallback ? fallback : fallback with { IsFallback = true };

    private static CreatePromptBody BuildCreateBody(CreatePromptRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name is "." or "..")
        {
            throw new ArgumentException("CreatePromptRequest.Name is required, and cannot be '.' or '..'.", nameof(request));
        }

        PromptContent content;
        string type;
        switch (request.PromptType)
        {
            case PromptType.Text:
                if (request.Text is null || request.Messages is not null)
                {
                    throw new ArgumentException("A text prompt needs CreatePromptRequest.Text and no Messages.", nameof(request));
                }

                content = new PromptContent(request.Text, null);
                type = "text";
                break;
            case PromptType.Chat:
                if (request.Messages is not { Count: > 0 } messages || request.Text is not null)
                {
                    throw new ArgumentException("A chat prompt needs at least one message in CreatePromptRequest.Messages and no Text.", nameof(request));
                }

                for (var i = 0; i < messages.Count; i++)
                {
                    if (messages[i] is null || string.IsNullOrWhiteSpace(messages[i].Role) || messages[i].Content is null)
                    {
                        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"CreatePromptRequest.Messages[{i}] needs a role and content."), nameof(request));
                    }
                }

                content = new PromptContent(null, messages);
                type = "chat";
                break;
            default:
                throw new ArgumentException("CreatePromptRequest.PromptType must be Text or Chat.", nameof(request));
        }

        var labels = request.Labels ?? [];
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(labels[i]))
            {
                throw new ArgumentException("A label must not be null, empty or white space.", nameof(request));
            }
        }

        return new CreatePromptBody
        {
            Name = request.Name,
            Type = type,
            Prompt = content,
            Labels = labels,
            Config = request.Config,
            CommitMessage = request.CommitMessage,
        };
    }

    private static string BuildGetPath(in PromptCacheKey key) => key.Version is { } version
        ? "v1/prompts/" + Uri.EscapeDataString(key.Name) + "?version=" + version.ToString(CultureInfo.InvariantCulture)
        : "v1/prompts/" + Uri.EscapeDataString(key.Name) + "?label=" + Uri.EscapeDataString(key.Label!);

    private static void RunInBackground<TState>(Func<TState, Task> work, TState state)
    {
        // The work may serve many callers: it carries none of this caller's ambient state (Activity, Zespan scope).
        if (ExecutionContext.IsFlowSuppressed())
        {
            _ = Task.Run(() => work(state));
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => work(state));
        }
    }

    private Task<Prompt> GetCoreAsync(in PromptCacheKey key, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.CacheEnabled && _cache.TryGetValue(key, out var entry))
        {
            entry.LastUsed = Interlocked.Increment(ref _useClock);
            if (entry.IsStale)
            {
                StartRefresh(key, entry);
            }

            return entry.Task;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<Prompt>(cancellationToken);
        }

        var fetch = GetOrStartFetch(key);
        return cancellationToken.CanBeCanceled ? fetch.WaitAsync(cancellationToken) : fetch;
    }

    private Task<Prompt> GetOrStartFetch(PromptCacheKey key)
    {
        while (true)
        {
            if (_inflight.TryGetValue(key, out var existing))
            {
                return existing;
            }

            var completion = new TaskCompletionSource<Prompt>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inflight.TryAdd(key, completion.Task))
            {
                RunInBackground(static s => s.self.FetchSharedAsync(s.key, s.completion), (self: this, key, completion));
                return completion.Task;
            }
        }
    }

    private async Task FetchSharedAsync(PromptCacheKey key, TaskCompletionSource<Prompt> completion)
    {
        var generation = Volatile.Read(ref _generation);
        try
        {
            var prompt = await FetchAsync(key, _shutdown.Token).ConfigureAwait(false);
            PromptsLog.Fetched(_logger, key.Name, key.Label, key.Version, prompt.Version);
            Store(key, prompt, generation);
            _inflight.TryRemove(new KeyValuePair<PromptCacheKey, Task<Prompt>>(key, completion.Task));
            completion.TrySetResult(prompt);
        }
#pragma warning disable CA1031 // every failure goes to the callers through the shared task
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _inflight.TryRemove(new KeyValuePair<PromptCacheKey, Task<Prompt>>(key, completion.Task));
            if (ex is OperationCanceledException canceled)
            {
                completion.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                completion.TrySetException(ex);

                // Mark it observed: when every caller gave up waiting, nobody else reads it.
                _ = completion.Task.Exception;
            }
        }
    }

    private void StartRefresh(PromptCacheKey key, CacheEntry entry)
    {
        if (Interlocked.CompareExchange(ref entry.Refreshing, 1, 0) != 0)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _refreshes[key] = done.Task;
        RunInBackground(static s => s.self.RefreshAsync(s.key, s.entry, s.done), (self: this, key, entry, done));
    }

    private async Task RefreshAsync(PromptCacheKey key, CacheEntry entry, TaskCompletionSource done)
    {
        var generation = Volatile.Read(ref _generation);
        try
        {
            var prompt = await FetchAsync(key, _shutdown.Token).ConfigureAwait(false);
            var fresh = new CacheEntry(prompt) { LastUsed = entry.LastUsed };
            fresh.MarkFreshFor(_time, _settings.Ttl);
            if (_cache.TryUpdate(key, fresh, entry))
            {
                entry.Dispose();
                if (Volatile.Read(ref _generation) != generation && _cache.TryRemove(new KeyValuePair<PromptCacheKey, CacheEntry>(key, fresh)))
                {
                    fresh.Dispose();
                }
            }
            else
            {
                // Evicted or replaced meanwhile: this result is not wanted.
                fresh.Dispose();
            }

            PromptsLog.Refreshed(_logger, key.Name, key.Label, key.Version, prompt.Version);
        }
        catch (PromptNotFoundException)
        {
            // A removed label or prompt must not be served forever.
            if (_cache.TryRemove(new KeyValuePair<PromptCacheKey, CacheEntry>(key, entry)))
            {
                entry.Dispose();
                PromptsLog.Evicted(_logger, key.Name, key.Label, key.Version);
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Disposed: nothing to refresh for.
        }
#pragma warning disable CA1031 // a background refresh never throws: the stale prompt is kept and the failure logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var ttl = _settings.Ttl;
            entry.MarkFreshFor(_time, ttl < MaxRefreshRetryDelay ? ttl : MaxRefreshRetryDelay);
            PromptsLog.RefreshFailed(_logger, ex, key.Name, key.Label, key.Version, entry.Prompt.Version);
        }
        finally
        {
            Volatile.Write(ref entry.Refreshing, 0);
            _refreshes.TryRemove(new KeyValuePair<PromptCacheKey, Task>(key, done.Task));
            done.TrySetResult();
        }
    }

    private void Store(PromptCacheKey key, Prompt prompt, int generation)
    {
        var settings = _settings;
        if (!settings.CacheEnabled || Volatile.Read(ref _generation) != generation)
        {
            return;
        }

        var entry = new CacheEntry(prompt) { LastUsed = Interlocked.Increment(ref _useClock) };
        entry.MarkFreshFor(_time, settings.Ttl);
        var added = false;
        while (true)
        {
            if (_cache.TryGetValue(key, out var old))
            {
                if (_cache.TryUpdate(key, entry, old))
                {
                    old.Dispose();
                    break;
                }
            }
            else if (_cache.TryAdd(key, entry))
            {
                added = true;
                break;
            }
        }

        if (added && _cache.Count > settings.MaxEntries)
        {
            EvictLeastRecentlyUsed(settings.MaxEntries);
        }

        // An invalidation between the check and the write bumped the generation: undo the write.
        if (Volatile.Read(ref _generation) != generation && _cache.TryRemove(new KeyValuePair<PromptCacheKey, CacheEntry>(key, entry)))
        {
            entry.Dispose();
        }
    }

    /// <summary>Removes the least recently used entries until at most <paramref name="maxEntries"/> are left.</summary>
    private void EvictLeastRecentlyUsed(int maxEntries)
    {
        lock (_evictGate)
        {
            var excess = _cache.Count - maxEntries;
            if (excess <= 0)
            {
                return;
            }

            var entries = _cache.ToArray();
            if (excess == 1)
            {
                // The usual case: one scan for the oldest stamp.
                var oldest = entries[0];
                for (var i = 1; i < entries.Length; i++)
                {
                    if (entries[i].Value.LastUsed < oldest.Value.LastUsed)
                    {
                        oldest = entries[i];
                    }
                }

                Remove(oldest);
                return;
            }

            Array.Sort(entries, static (a, b) => a.Value.LastUsed.CompareTo(b.Value.LastUsed));
            for (var i = 0; i < excess && i < entries.Length; i++)
            {
                Remove(entries[i]);
            }
        }

        void Remove(KeyValuePair<PromptCacheKey, CacheEntry> pair)
        {
            if (_cache.TryRemove(pair))
            {
                pair.Value.Dispose();
            }
        }
    }

    private void Invalidate(string name)
    {
        Interlocked.Increment(ref _generation);
        foreach (var pair in _cache)
        {
            if (string.Equals(pair.Key.Name, name, StringComparison.Ordinal) && _cache.TryRemove(pair))
            {
                pair.Value.Dispose();
            }
        }

        foreach (var pair in _inflight)
        {
            if (string.Equals(pair.Key.Name, name, StringComparison.Ordinal))
            {
                _inflight.TryRemove(pair);
            }
        }
    }

    private async Task<Prompt> AwaitOrFallbackAsync(Task<Prompt> task, PromptCacheKey key, Prompt fallback, CancellationToken cancellationToken)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // availability: any failure to fetch returns the fallback
        catch (Exception ex)
#pragma warning restore CA1031
        {
            PromptsLog.FallbackUsed(_logger, ex, key.Name, key.Label, key.Version);
            return AsFallback(fallback);
        }
    }

    private async Task<Prompt> FetchAsync(PromptCacheKey key, CancellationToken cancellationToken)
    {
        var path = BuildGetPath(key);
        using var response = await SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            throw new PromptNotFoundException(key.Name, key.Label, key.Version, Scrub(error?.Message));
        }

        var dto = await ReadAsync(response, PromptsJsonContext.Default.PromptDto, HttpMethod.Get, path, cancellationToken).ConfigureAwait(false);
        return dto.ToPrompt(key.Name);
    }

    private async Task<PromptPage> ListCoreAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
        var dto = await ReadAsync(response, PromptsJsonContext.Default.PromptPageDto, HttpMethod.Get, path, cancellationToken).ConfigureAwait(false);
        var data = new Prompt[dto.Data?.Count ?? 0];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = dto.Data![i].ToPrompt(null);
        }

        return new PromptPage { Data = data, Page = dto.Page, Limit = dto.Limit, Total = dto.Total };
    }

    private async Task<Prompt> CreateCoreAsync(string name, byte[] body, CancellationToken cancellationToken)
    {
        // One key for every attempt: a create retried after a lost answer is not applied twice.
        var idempotencyKey = Guid.NewGuid().ToString("N");
        try
        {
            using var response = await SendAsync(HttpMethod.Post, "v1/prompts", body, idempotencyKey, cancellationToken).ConfigureAwait(false);
            var dto = await ReadAsync(response, PromptsJsonContext.Default.PromptDto, HttpMethod.Post, "v1/prompts", cancellationToken).ConfigureAwait(false);
            return dto.ToPrompt(name);
        }
        finally
        {
            // Also after a failure: the backend may have applied it before the answer was lost.
            Invalidate(name);
        }
    }

    private async Task<Prompt> UpdateLabelsCoreAsync(string name, int version, string path, byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Patch, path, body, null, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
                throw new PromptNotFoundException(name, null, version, Scrub(error?.Message));
            }

            var dto = await ReadAsync(response, PromptsJsonContext.Default.PromptDto, HttpMethod.Patch, path, cancellationToken).ConfigureAwait(false);
            return dto.ToPrompt(name);
        }
        finally
        {
            Invalidate(name);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            return await _backend.SendAsync(
                ZespanBackendEndpoint.Prompts,
                static (client, s) =>
                {
                    var request = client.CreateRequest(s.method, s.path);
                    if (s.body is not null)
                    {
                        request.Content = new ByteArrayContent(s.body);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    }

                    if (s.idempotencyKey is not null)
                    {
                        request.Headers.TryAddWithoutValidation("Idempotency-Key", s.idempotencyKey);
                    }

                    return request;
                },
                (method, path, body, idempotencyKey),
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ZespanBackendException ex) when (ex.Failure == BackendFailure.CircuitOpen)
        {
            throw new ZespanApiException(
                $"Zespan is not being called for {method} {path}: too many recent prompt requests failed, so calls pause for a while (circuit open).",
                null, null, null, ex);
        }
        catch (ZespanBackendException ex) when (ex.Failure == BackendFailure.Timeout)
        {
            throw new ZespanApiException(
                $"Zespan did not answer {method} {path} in time (Zespan:RequestTimeout is {_options.CurrentValue.RequestTimeout}).",
                null, null, null, ex);
        }
        catch (ZespanBackendException ex) when (ex.Failure == BackendFailure.ResponseTooLarge)
        {
            throw new ZespanApiException(
                string.Create(CultureInfo.InvariantCulture, $"Zespan answered {method} {path} with a body over {ZespanBackendLimits.DocumentResponseBytes} bytes; it was discarded."),
                null, null, null, ex);
        }
#pragma warning disable CA1031 // turned into the documented exception type
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new ZespanApiException($"Zespan could not be reached for {method} {path}: {Scrub(ex.Message)}", null, null, null, ex);
        }
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo, HttpMethod method, string path, CancellationToken cancellationToken)
        where T : class
    {
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            var type = error?.Type;
            var message = Scrub(error?.Message);
            var detail = message is null ? response.ReasonPhrase : message;
            throw new ZespanApiException(
                string.Create(CultureInfo.InvariantCulture, $"Zespan answered {status}{(type is null ? string.Empty : " (" + type + ")")} to {method} {path}: {detail}"),
                status, type, message);
        }

        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException("The body is empty or null.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new ZespanApiException(
                string.Create(CultureInfo.InvariantCulture, $"Zespan answered {status} to {method} {path} with a body that could not be read: {ex.Message}"),
                status, null, null, ex);
        }
    }

    private static async Task<ErrorEnvelope.ErrorBody?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (bytes.Length == 0)
            {
                return null;
            }

            return JsonSerializer.Deserialize(bytes, PromptsJsonContext.Default.ErrorEnvelope)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Removes the API key from text that came from elsewhere (a server or a network message).</summary>
    private string? Scrub(string? text)
    {
        var key = _options.CurrentValue.ApiKey;
        return text is null || string.IsNullOrEmpty(key) || !text.Contains(key, StringComparison.Ordinal)
            ? text
            : text.Replace(key, "[REDACTED]", StringComparison.Ordinal);
    }

    private void EnsureEnabled()
    {
        if (!_settings.Enabled)
        {
            throw new InvalidOperationException(
                "Zespan is disabled (Zespan:Enabled is false), so the prompt backend cannot be called. Set Zespan:Enabled to true with an API key.");
        }
    }

    private void OnOptionsChanged(ZespanOptions options, string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        var settings = Settings.From(options);
        _settings = settings;
        if (!settings.CacheEnabled)
        {
            ClearCache();
        }
        else if (_cache.Count > settings.MaxEntries)
        {
            // A smaller bound applies at once.
            EvictLeastRecentlyUsed(settings.MaxEntries);
        }
    }

    /// <summary>The option values the hot path reads, refreshed when the options change.</summary>
    private sealed class Settings
    {
        private Settings(bool enabled, TimeSpan ttl, int maxEntries)
        {
            Enabled = enabled;
            Ttl = ttl;
            MaxEntries = Math.Max(1, maxEntries);
        }

        public bool Enabled { get; }

        /// <summary>Gets how long a fetched prompt is fresh; zero or less disables caching.</summary>
        public TimeSpan Ttl { get; }

        /// <summary>Gets the most entries the cache holds.</summary>
        public int MaxEntries { get; }

        public bool CacheEnabled => Ttl > TimeSpan.Zero;

        public static Settings From(ZespanOptions options) => new(options.Enabled, options.PromptCacheTtl, options.PromptCacheMaxEntries);
    }

    /// <summary>A cached prompt, the completed task handed out on a hit, and the timer that marks it stale.</summary>
    private sealed class CacheEntry(Prompt prompt) : IDisposable
    {
        /// <summary>The longest due time a timer accepts (about 49.7 days); a longer TTL never goes stale.</summary>
        private static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

        private readonly object _gate = new();
        private ITimer? _timer;
        private volatile bool _stale;
        private bool _disposed;

        public Prompt Prompt { get; } = prompt;

        public Task<Prompt> Task { get; } = System.Threading.Tasks.Task.FromResult(prompt);

        /// <summary>Gets a value indicating whether the fresh period has passed.</summary>
        public bool IsStale => _stale;

        /// <summary>1 while a refresh runs.</summary>
        public int Refreshing;

        /// <summary>Gets or sets the use stamp of the last hit (or of the store): the lowest is the least recently used.</summary>
        public long LastUsed
        {
            get => Volatile.Read(ref _lastUsed);
            set => Volatile.Write(ref _lastUsed, value);
        }

        private long _lastUsed;

        /// <summary>Marks the entry fresh until <paramref name="period"/> has passed on <paramref name="time"/>.</summary>
        public void MarkFreshFor(TimeProvider time, TimeSpan period)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _stale = false;
                if (period > MaxTimerDueTime)
                {
                    _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
                else if (_timer is null)
                {
                    _timer = time.CreateTimer(static s => ((CacheEntry)s!)._stale = true, this, period, Timeout.InfiniteTimeSpan);
                }
                else
                {
                    _timer.Change(period, Timeout.InfiniteTimeSpan);
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _timer?.Dispose();
                _timer = null;
            }
        }
    }
}
