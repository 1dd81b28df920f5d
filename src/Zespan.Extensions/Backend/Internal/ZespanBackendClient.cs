using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Zespan.Extensions.Backend.Internal;

/// <summary>
/// Zespan's own HTTP access to its backend. The <see cref="HttpClient"/> is private (its own
/// <see cref="SocketsHttpHandler"/>, no activity propagation), so nothing the app configures for
/// all clients wraps, retries or traces these calls. One Polly pipeline per endpoint; when
/// <c>RequestTimeout</c> or <c>GuardrailTimeout</c> changes, the pipelines that use it are rebuilt and the
/// whole set swapped at once (a call in flight finishes on the pipeline it started with).
/// </summary>
internal sealed class ZespanBackendClient : IDisposable
{
    /// <summary>The most a <c>Retry-After</c> is honoured.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly HttpClient _http;
    private readonly Action? _onIngestRetry;
    private readonly Lock _rebuild = new();
    private readonly IDisposable? _optionsSubscription;
    private volatile PipelineSet _pipelines;

    public ZespanBackendClient(IOptionsMonitor<ZespanOptions> options, TimeProvider timeProvider)
        : this(options, timeProvider, CreateHandler())
    {
    }

    /// <summary>Creates the client; <paramref name="onIngestRetry"/> is told when an ingest attempt failed and is retried.</summary>
    public ZespanBackendClient(IOptionsMonitor<ZespanOptions> options, TimeProvider timeProvider, Action? onIngestRetry)
        : this(options, timeProvider, CreateHandler(), onIngestRetry)
    {
    }

    /// <summary>For tests: a custom innermost handler.</summary>
    internal ZespanBackendClient(IOptionsMonitor<ZespanOptions> options, TimeProvider timeProvider, HttpMessageHandler handler, Action? onIngestRetry = null)
    {
        _options = options;
        _timeProvider = timeProvider;
        _onIngestRetry = onIngestRetry;
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        var current = options.CurrentValue;
        _pipelines = BuildPipelines(current.RequestTimeout, current.GuardrailTimeout, previous: null);
        _optionsSubscription = options.OnChange(OnOptionsChanged);
    }

    /// <summary>Gets the package version.</summary>
    /// <remarks>Declared before <see cref="UserAgent"/>: static initializers run in declaration order.</remarks>
    public static string SdkVersion { get; } = GetVersion();

    /// <summary>Gets the value of the <c>User-Agent</c> header: <c>zespan-dotnet/&lt;version&gt;</c>.</summary>
    public static string UserAgent { get; } = "zespan-dotnet/" + SdkVersion;

    /// <summary>Gets the time provider the pipelines use.</summary>
    public TimeProvider TimeProvider => _timeProvider;

    /// <summary>Builds the absolute URI of a path relative to <see cref="ZespanOptions.BaseUrl"/>, keeping its path prefix.</summary>
    public static Uri BuildUri(Uri baseUrl, string relativePath)
    {
        var text = baseUrl.AbsoluteUri;
        if (!text.EndsWith('/'))
        {
            text += "/";
        }

        return new Uri(new Uri(text), relativePath.TrimStart('/'));
    }

    /// <summary>Creates a request with the <c>Authorization</c> and <c>User-Agent</c> headers set.</summary>
    public HttpRequestMessage CreateRequest(HttpMethod method, string relativePath)
    {
        var options = _options.CurrentValue;
        var request = new HttpRequestMessage(method, BuildUri(options.BaseUrl, relativePath));
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }

        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        Providers.Internal.ZespanOwnRequests.Mark(request); // never recorded as an LLM call
        return request;
    }

    /// <summary>
    /// Sends a request through the endpoint's pipeline (retry, circuit breaker, attempt timeout).
    /// <paramref name="requestFactory"/> is called once per attempt, since a request message cannot be sent twice.
    /// Throws <see cref="BrokenCircuitException"/>, <see cref="TimeoutRejectedException"/> or
    /// <see cref="HttpRequestException"/> when every attempt failed; callers turn these into a recorded failure.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync<TState>(
        ZespanBackendEndpoint endpoint,
        Func<ZespanBackendClient, TState, HttpRequestMessage> requestFactory,
        TState state,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: false, cancellationToken);
        try
        {
            var outcome = await _pipelines.For(endpoint).ExecuteOutcomeAsync(
                static async (ctx, s) =>
                {
                    try
                    {
                        using var request = s.requestFactory(s.self, s.state);
                        var response = await s.self._http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ctx.CancellationToken).ConfigureAwait(false);
                        return Outcome.FromResult(response);
                    }
#pragma warning disable CA1031 // the pipeline decides what to do with any failure
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (self: this, requestFactory, state)).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// Sends a request synchronously (for the synchronous <c>HttpClient.Send</c> path; no sync-over-async).
    /// Same pipeline as <see cref="SendAsync{TState}"/>.
    /// </summary>
    public HttpResponseMessage Send<TState>(
        ZespanBackendEndpoint endpoint,
        Func<ZespanBackendClient, TState, HttpRequestMessage> requestFactory,
        TState state,
        CancellationToken cancellationToken)
    {
        return _pipelines.For(endpoint).Execute(
            static (s, ct) =>
            {
                using var request = s.requestFactory(s.self, s.state);
                return s.self._http.Send(request, HttpCompletionOption.ResponseContentRead, ct);
            },
            (self: this, requestFactory, state),
            cancellationToken);
    }

    public void Dispose()
    {
        _optionsSubscription?.Dispose();
        _http.Dispose();
    }

    /// <summary>Gets the pipeline an endpoint's calls go through now (for tests).</summary>
    internal ResiliencePipeline<HttpResponseMessage> GetPipeline(ZespanBackendEndpoint endpoint) => _pipelines.For(endpoint);

    /// <summary>Whether a response or exception is worth another attempt (408, 429, 5xx, network error, timeout).</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
        { Exception: OperationCanceledException } => false,
        { Result: { } r } => IsTransient(r.StatusCode),
        _ => false,
    };

    /// <summary>Whether a status is transient.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The delay a <c>Retry-After</c> header asks for, capped at <see cref="MaxRetryAfter"/>.</summary>
    public static TimeSpan? GetRetryAfter(HttpResponseMessage? response, DateTimeOffset now)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        TimeSpan? delay = header.Delta ?? (header.Date is { } date ? date - now : null);
        if (delay is null)
        {
            return null;
        }

        if (delay < TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return delay > MaxRetryAfter ? MaxRetryAfter : delay;
    }

    /// <summary>
    /// Builds the pipelines for these timeouts, reusing those of <paramref name="previous"/> whose timeout is
    /// unchanged (so their circuit breakers keep their state).
    /// </summary>
    private PipelineSet BuildPipelines(TimeSpan requestTimeout, TimeSpan guardrailTimeout, PipelineSet? previous)
    {
        var pipelines = new ResiliencePipeline<HttpResponseMessage>[4];
        if (previous is not null && previous.RequestTimeout == requestTimeout)
        {
            pipelines[(int)ZespanBackendEndpoint.Ingest] = previous.For(ZespanBackendEndpoint.Ingest);
            pipelines[(int)ZespanBackendEndpoint.Config] = previous.For(ZespanBackendEndpoint.Config);
            pipelines[(int)ZespanBackendEndpoint.Prompts] = previous.For(ZespanBackendEndpoint.Prompts);
        }
        else
        {
            pipelines[(int)ZespanBackendEndpoint.Ingest] = BuildPipeline(retries: 3, requestTimeout, _timeProvider, _onIngestRetry);
            pipelines[(int)ZespanBackendEndpoint.Config] = BuildPipeline(retries: 0, requestTimeout, _timeProvider);
            pipelines[(int)ZespanBackendEndpoint.Prompts] = BuildPipeline(retries: 2, requestTimeout, _timeProvider);
        }

        pipelines[(int)ZespanBackendEndpoint.Guardrails] = previous is not null && previous.GuardrailTimeout == guardrailTimeout
            ? previous.For(ZespanBackendEndpoint.Guardrails)
            : BuildPipeline(retries: 0, guardrailTimeout, _timeProvider);
        return new PipelineSet(requestTimeout, guardrailTimeout, pipelines);
    }

    private void OnOptionsChanged(ZespanOptions options, string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        lock (_rebuild)
        {
            var current = _pipelines;
            if (current.RequestTimeout == options.RequestTimeout && current.GuardrailTimeout == options.GuardrailTimeout)
            {
                return;
            }

            try
            {
                _pipelines = BuildPipelines(options.RequestTimeout, options.GuardrailTimeout, current);
            }
            catch (System.ComponentModel.DataAnnotations.ValidationException)
            {
                // A timeout Polly does not take (options validation refuses it first): the pipelines in force stay.
            }
        }
    }

    private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(int retries, TimeSpan attemptTimeout, TimeProvider timeProvider, Action? onRetry = null)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider };
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = MaxRetryAfter,
                ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(GetRetryAfter(args.Outcome.Result, timeProvider.GetUtcNow())),
                OnRetry = _ =>
                {
                    onRetry?.Invoke();
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = 0.5,
            MinimumThroughput = 5,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(30),
            ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
        });
        builder.AddTimeout(attemptTimeout);
        return builder.Build();
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AutomaticDecompression = DecompressionMethods.All,
        ActivityHeadersPropagator = null,
        UseCookies = false,
    };

    private static string GetVersion()
    {
        var assembly = typeof(ZespanBackendClient).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null)
        {
            return assembly.GetName().Version?.ToString(3) ?? "1.0.0";
        }

        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    /// <summary>The pipelines of every endpoint and the timeouts they were built with; replaced whole, never changed.</summary>
    private sealed class PipelineSet(TimeSpan requestTimeout, TimeSpan guardrailTimeout, ResiliencePipeline<HttpResponseMessage>[] pipelines)
    {
        public TimeSpan RequestTimeout { get; } = requestTimeout;

        public TimeSpan GuardrailTimeout { get; } = guardrailTimeout;

        public ResiliencePipeline<HttpResponseMessage> For(ZespanBackendEndpoint endpoint) => pipelines[(int)endpoint];
    }
}
