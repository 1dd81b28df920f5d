using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Polls <c>GET /v1/config</c> once per flush cycle with <c>If-None-Match</c>. Malformed answers, 5xx and
/// timeouts keep the last good configuration and back off (the flush interval doubled per failure, at most
/// five minutes); a rejected key is logged once; an invalid rule is ignored and logged once.
/// </summary>
internal sealed partial class RemoteConfigPoller : IFlushCycleParticipant
{
    /// <summary>The longest wait between attempts after failures.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    private readonly ZespanBackendClient _backend;
    private readonly RemoteConfigStore _store;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _invalidLogged = new(StringComparer.Ordinal);
    private int _failures;
    private DateTimeOffset _nextAttempt;
    private bool _unauthorizedLogged;

    public RemoteConfigPoller(ZespanBackendClient backend, RemoteConfigStore store, IOptionsMonitor<ZespanOptions> options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _backend = backend;
        _store = store;
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger("Zespan");
    }

    /// <summary>Gets the number of failures in a row (for tests and health).</summary>
    internal int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <inheritdoc/>
    public Task OnFlushCycleAsync(CancellationToken cancellationToken) => PollAsync(force: false, cancellationToken);

    /// <summary>Fetches now, whatever the backoff says. Never throws.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => PollAsync(force: true, cancellationToken);

    private async Task PollAsync(bool force, CancellationToken cancellationToken)
    {
        ZespanOptions options;
        try
        {
            options = _options.CurrentValue;
        }
        catch (OptionsValidationException)
        {
            return;
        }

        if (!options.Enabled || options.DisableConfigSync)
        {
            return;
        }

        if (!force && _time.GetUtcNow() < _nextAttempt)
        {
            return;
        }

        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await FetchAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled by the caller (host stopping, bounded start): nothing to record.
        }
#pragma warning disable CA1031 // a configuration failure never reaches the app
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Failed(options);
            if (options.Debug)
            {
                LogFetchFailed(_logger, ex.GetType().Name, ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task FetchAsync(ZespanOptions options, CancellationToken cancellationToken)
    {
        var etag = _store.Current.ETag;
        using var response = await _backend.SendAsync(
            ZespanBackendEndpoint.Config,
            static (backend, state) =>
            {
                var request = backend.CreateRequest(HttpMethod.Get, "v1/config?environment=" + Uri.EscapeDataString(state.Environment));
                if (state.ETag is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", state.ETag);
                }

                return request;
            },
            (options.Environment, ETag: etag),
            cancellationToken).ConfigureAwait(false);

        switch (response.StatusCode)
        {
            case HttpStatusCode.NotModified:
                Succeeded();
                return;
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                Failed(options);
                if (!_unauthorizedLogged)
                {
                    _unauthorizedLogged = true;
                    LogUnauthorized(_logger, (int)response.StatusCode);
                }

                return;
            case HttpStatusCode.OK:
                break;
            default:
                Failed(options);
                if (options.Debug)
                {
                    LogFetchStatus(_logger, (int)response.StatusCode);
                }

                return;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var newETag = response.Headers.ETag?.ToString();
        var snapshot = RemoteConfigParser.Parse(body, newETag, (type, reason) =>
        {
            if (_invalidLogged.Add(type + ":" + reason))
            {
                LogInvalidRule(_logger, type, reason);
            }
        });
        if (snapshot is null)
        {
            Failed(options);
            LogMalformed(_logger);
            return;
        }

        Succeeded();
        if (_store.Update(snapshot))
        {
            LogApplied(_logger, RemoteConfigParser.FormatVersion(snapshot.Version));
        }
    }

    private void Succeeded()
    {
        Volatile.Write(ref _failures, 0);
        _nextAttempt = DateTimeOffset.MinValue;
        _unauthorizedLogged = false;
    }

    private void Failed(ZespanOptions options)
    {
        var failures = Interlocked.Increment(ref _failures);
        var factor = 1L << Math.Min(failures, 16);
        var delay = TimeSpan.FromTicks(Math.Min(options.FlushInterval.Ticks * factor, MaxBackoff.Ticks));
        _nextAttempt = _time.GetUtcNow() + delay;
    }

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigApplied, EventName = nameof(ZespanLogEvents.RemoteConfigApplied), Level = LogLevel.Information, Message = "Zespan applied remote configuration version {Version}.")]
    private static partial void LogApplied(ILogger logger, string version);

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigRuleIgnored, EventName = nameof(ZespanLogEvents.RemoteConfigRuleIgnored), Level = LogLevel.Warning, Message = "Zespan ignored a remote '{RuleType}' rule: {Reason}.")]
    private static partial void LogInvalidRule(ILogger logger, string ruleType, string reason);

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigUnauthorized, EventName = nameof(ZespanLogEvents.RemoteConfigUnauthorized), Level = LogLevel.Error, Message = "The Zespan backend rejected the API key ({Status}) when fetching remote configuration. Check Zespan:ApiKey or ZESPAN_API_KEY.")]
    private static partial void LogUnauthorized(ILogger logger, int status);

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigMalformed, EventName = nameof(ZespanLogEvents.RemoteConfigMalformed), Level = LogLevel.Warning, Message = "Zespan received a remote configuration it could not read; the last good configuration stays in force.")]
    private static partial void LogMalformed(ILogger logger);

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigFetchFailed, EventName = nameof(ZespanLogEvents.RemoteConfigFetchFailed), Level = LogLevel.Debug, Message = "Zespan could not fetch remote configuration ({Reason}); the last good configuration stays in force.")]
    private static partial void LogFetchFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigFetchStatus, EventName = nameof(ZespanLogEvents.RemoteConfigFetchStatus), Level = LogLevel.Debug, Message = "Zespan's remote configuration request answered {Status}; the last good configuration stays in force.")]
    private static partial void LogFetchStatus(ILogger logger, int status);
}

/// <summary>
/// Makes one bounded fetch (at most <see cref="ZespanOptions.RequestTimeout"/>) when the host starts, so
/// remotely enabled guardrails and overrides hold from the first call. Never fails the start.
/// </summary>
internal sealed class RemoteConfigStartupService(RemoteConfigPoller poller, IOptionsMonitor<ZespanOptions> options, TimeProvider time) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        if (!current.Enabled || current.DisableConfigSync)
        {
            return;
        }

        using var bound = new CancellationTokenSource(current.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken);
        await poller.RefreshAsync(linked.Token).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
