using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Zespan.Extensions.Backend.Internal;

/// <summary>
/// Zespan's own HTTP access to its backend. The <see cref="HttpClient"/> is private (its own
/// <see cref="SocketsHttpHandler"/>, no activity propagation, never from the app's <c>IHttpClientFactory</c>), so
/// nothing the app configures for all clients wraps, retries or traces these calls. Its handler chain is
/// Microsoft.Extensions.Http.Resilience's <see cref="ResilienceHandler"/> (retry with
/// <see cref="HttpRetryStrategyOptions"/>, circuit breaker with <see cref="HttpCircuitBreakerStrategyOptions"/>, attempt
/// timeout with <see cref="HttpTimeoutStrategyOptions"/>), one pipeline per endpoint, over a
/// <see cref="BoundedResponseHandler"/> that reads every answer within the endpoint's size limit. When
/// <c>RequestTimeout</c> or <c>GuardrailTimeout</c> changes, the pipelines that use it are rebuilt and the whole set
/// swapped at once (a call in flight finishes on the pipeline it started with).
/// </summary>
/// <remarks>
/// Polly and resilience types stay in this folder: a failed call throws <see cref="ZespanBackendException"/>
/// (the caller's own cancellation excepted).
/// </remarks>
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
        : this(options, timeProvider, handler: null)
    {
    }

    /// <summary>Creates the client.</summary>
    /// <param name="options">The options (timeouts, key, base URL).</param>
    /// <param name="timeProvider">The time the pipelines' delays and timeouts use.</param>
    /// <param name="handler">For tests: the innermost handler (a <see cref="SocketsHttpHandler"/> by default).</param>
    /// <param name="onIngestRetry">Told when an ingest attempt failed and is retried.</param>
    /// <param name="loggerFactory">Where an over-sized answer is logged.</param>
    internal ZespanBackendClient(
        IOptionsMonitor<ZespanOptions> options,
        TimeProvider timeProvider,
        HttpMessageHandler? handler,
        Action? onIngestRetry = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _onIngestRetry = onIngestRetry;
        var logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
        var bounded = new BoundedResponseHandler(handler ?? CreateHandler(), logger);
        var resilience = new ResilienceHandler(SelectPipeline) { InnerHandler = bounded };
        _http = new HttpClient(resilience, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
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
    /// Sends a request through the endpoint's pipeline (retry, circuit breaker, attempt timeout). The request
    /// (made once by <paramref name="requestFactory"/>, with content that can be read again) is sent again on each
    /// retry. The answer comes back whole, read within the endpoint's size limit. Throws
    /// <see cref="ZespanBackendException"/> when no attempt gave an answer, and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> ended the call.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync<TState>(
        ZespanBackendEndpoint endpoint,
        Func<ZespanBackendClient, TState, HttpRequestMessage> requestFactory,
        TState state,
        CancellationToken cancellationToken)
    {
        using var request = Prepare(endpoint, requestFactory, state);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, endpoint, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// Sends a request synchronously (the synchronous <c>HttpClient.Send</c> path; no sync-over-async). Same pipeline
    /// and failures as <see cref="SendAsync{TState}"/>.
    /// </summary>
    public HttpResponseMessage Send<TState>(
        ZespanBackendEndpoint endpoint,
        Func<ZespanBackendClient, TState, HttpRequestMessage> requestFactory,
        TState state,
        CancellationToken cancellationToken)
    {
        using var request = Prepare(endpoint, requestFactory, state);
        try
        {
            return _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (Translate(ex, endpoint, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    public void Dispose()
    {
        _optionsSubscription?.Dispose();
        _http.Dispose();
    }

    /// <summary>Gets the pipeline an endpoint's calls go through now (for tests).</summary>
    internal ResiliencePipeline<HttpResponseMessage> GetPipeline(ZespanBackendEndpoint endpoint) => _pipelines.For(endpoint);

    /// <summary>Whether a status is transient (408, 429, 5xx): the package's own predicate.</summary>
    public static bool IsTransient(HttpStatusCode status)
    {
        using var probe = new HttpResponseMessage(status);
        return HttpClientResiliencePredicates.IsTransient(Outcome.FromResult(probe));
    }

    /// <summary>The delay a <c>Retry-After</c> header asks for (seconds or an HTTP date, read against <paramref name="now"/>), capped at <see cref="MaxRetryAfter"/>.</summary>
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

    private HttpRequestMessage Prepare<TState>(ZespanBackendEndpoint endpoint, Func<ZespanBackendClient, TState, HttpRequestMessage> requestFactory, TState state)
    {
        var request = requestFactory(this, state);
        request.Options.Set(BoundedResponseHandler.EndpointKey, endpoint);
        return request;
    }

    private static ZespanBackendException? Translate(Exception exception, ZespanBackendEndpoint endpoint, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        ZespanBackendException known => known,
        BrokenCircuitException => new ZespanBackendException(BackendFailure.CircuitOpen, endpoint, exception),
        TimeoutRejectedException or OperationCanceledException => new ZespanBackendException(BackendFailure.Timeout, endpoint, exception),
        _ => new ZespanBackendException(BackendFailure.Network, endpoint, exception),
    };

    private ResiliencePipeline<HttpResponseMessage> SelectPipeline(HttpRequestMessage request) =>
        _pipelines.For(request.Options.TryGetValue(BoundedResponseHandler.EndpointKey, out var endpoint) ? endpoint : ZespanBackendEndpoint.Ingest);

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

    /// <summary>
    /// One endpoint's pipeline, outermost first: retry (<see cref="HttpRetryStrategyOptions"/>: the package's transient
    /// predicate, exponential backoff from 1 s with jitter), circuit breaker (<see cref="HttpCircuitBreakerStrategyOptions"/>:
    /// open when half of at least 5 attempts in 30 s failed, for 30 s) and attempt timeout (<see cref="HttpTimeoutStrategyOptions"/>).
    /// </summary>
    /// <remarks>
    /// <c>Retry-After</c> is read by our own delay generator rather than the package's
    /// (<see cref="HttpRetryStrategyOptions.ShouldRetryAfterHeader"/>): the package reads an HTTP-date header against the
    /// system clock, not the injected <see cref="TimeProvider"/>, and does not cap it; the protocol caps it at 60 s.
    /// </remarks>
    private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(int retries, TimeSpan attemptTimeout, TimeProvider timeProvider, Action? onRetry = null)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider };
        if (retries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = MaxRetryAfter,
                ShouldRetryAfterHeader = false,
                DelayGenerator = args => ValueTask.FromResult(GetRetryAfter(args.Outcome.Result, timeProvider.GetUtcNow())),
                OnRetry = _ =>
                {
                    onRetry?.Invoke();
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 5,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(30),
        });
        builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = attemptTimeout });
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
