using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Backend.Internal;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Fetches <c>GET /v1/config</c> with <c>If-None-Match</c> and hands a changed configuration to the
/// <see cref="RemoteConfigStore"/>: one fetch per call, never two at once. Malformed answers, 5xx and timeouts keep
/// the last good configuration and back off (the flush interval doubled per failure, at most five minutes); a
/// rejected key is logged once; an invalid rule is ignored and logged once. When to poll is
/// <see cref="RemoteConfigPollingService"/>'s concern; <see cref="IZespanClient.RefreshConfigAsync"/> calls
/// <see cref="RefreshAsync"/>. Never throws.
/// </summary>
internal sealed partial class RemoteConfigPoller
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

    /// <summary>The scheduled poll: fetches unless a failure's backoff is still running. Never throws.</summary>
    public Task PollAsync(CancellationToken cancellationToken) => PollCoreAsync(force: false, cancellationToken);

    /// <summary>Fetches now, whatever the backoff says. Never throws.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => PollCoreAsync(force: true, cancellationToken);

    private async Task PollCoreAsync(bool force, CancellationToken cancellationToken)
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
        string? rejected = null;
        var snapshot = RemoteConfigParser.Parse(
            body,
            newETag,
            (type, reason) =>
            {
                if (_invalidLogged.Add(type + ":" + reason))
                {
                    LogInvalidRule(_logger, type, reason);
                }
            },
            reason => rejected = reason);
        if (snapshot is null)
        {
            Failed(options);
            if (rejected is null)
            {
                LogMalformed(_logger);
            }
            else if (_invalidLogged.Add("rejected:" + rejected))
            {
                // A list over its cap: logged once per reason, the last good configuration stays.
                LogRejected(_logger, rejected);
            }

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

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigRejected, EventName = nameof(ZespanLogEvents.RemoteConfigRejected), Level = LogLevel.Warning, Message = "Zespan rejected a remote configuration because {Reason}; the last good configuration stays in force.")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigFetchFailed, EventName = nameof(ZespanLogEvents.RemoteConfigFetchFailed), Level = LogLevel.Debug, Message = "Zespan could not fetch remote configuration ({Reason}); the last good configuration stays in force.")]
    private static partial void LogFetchFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.RemoteConfigFetchStatus, EventName = nameof(ZespanLogEvents.RemoteConfigFetchStatus), Level = LogLevel.Debug, Message = "Zespan's remote configuration request answered {Status}; the last good configuration stays in force.")]
    private static partial void LogFetchStatus(ILogger logger, int status);
}
