using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Whether the export may send now, after what the backend said before. Two states: <em>degraded</em> after a
/// failed delivery (backend down, 429 storm, circuit open), when only the interval, a flush or a drain tries again,
/// not every batch that fills up, and not before <see cref="RetryAt"/>: the last answer's <c>Retry-After</c> or an
/// exponential backoff with jitter (1 s doubling per failure in a row, at most 60 s), whichever is later; and
/// <em>paused</em> after a 401/403, when nothing is sent while the rejected key is still configured. A new
/// <c>ApiKey</c> (seen through <see cref="IOptionsMonitor{TOptions}.OnChange"/>, or by any reader of the options)
/// lifts the pause and raises <see cref="Resumed"/>. Sends are one at a time (the worker's export lock), so with the
/// gate there is at most one request in flight, and none before <see cref="RetryAt"/>, during a storm. Lock-free; any thread.
/// </summary>
internal sealed class DeliveryGate : IDisposable
{
    /// <summary>The first backoff after a failed delivery.</summary>
    public static readonly TimeSpan BaseBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDisposable? _optionsSubscription;
    private int _paused;
    private string? _pausedKey;
    private int _keyRejectionLogged;
    private int _degraded;
    private int _failuresInARow;
    private long _retryAtUtcTicks;

    public DeliveryGate(IOptionsMonitor<ZespanOptions> options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("Zespan");
        _optionsSubscription = options.OnChange(OnOptionsChanged);
    }

    /// <summary>Raised once when a pause ends because the configured key changed (on the thread that saw it).</summary>
    public event Action? Resumed;

    /// <summary>Gets a value indicating whether sending is paused because the backend rejected the configured key.</summary>
    public bool IsPausedForRejectedKey => Volatile.Read(ref _paused) != 0 && IsPausedFor(_options.CurrentValue.ApiKey);

    /// <summary>Gets a value indicating whether a rejected key paused sending (a field read: no options lookup, for the app's thread).</summary>
    public bool IsPaused => Volatile.Read(ref _paused) != 0;

    /// <summary>Gets a value indicating whether the last delivery failed, so only the interval (or a flush) tries again, from <see cref="RetryAt"/> on.</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) != 0;

    /// <summary>Gets the earliest time the next send may happen after a failed delivery (the past when not degraded).</summary>
    public DateTimeOffset RetryAt => new(Interlocked.Read(ref _retryAtUtcTicks), TimeSpan.Zero);

    /// <summary>Gets how long from now until a send may happen again (zero when it may now).</summary>
    public TimeSpan RetryDelay
    {
        get
        {
            if (!IsDegraded)
            {
                return TimeSpan.Zero;
            }

            var delay = RetryAt - _time.GetUtcNow();
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Whether an export started by <paramref name="trigger"/> may send: never while paused; while degraded, not for
    /// <see cref="ExportTrigger.BatchReady"/> (an outage then costs one attempt per interval, not one per <c>BatchSize</c>
    /// events), and not before <see cref="RetryAt"/> (a flush or a drain waits for it when it can, see the worker).
    /// </summary>
    public bool MaySend(ExportTrigger trigger)
    {
        if (IsPausedForRejectedKey)
        {
            return false;
        }

        if (!IsDegraded || trigger == ExportTrigger.KeyChanged)
        {
            return true;
        }

        return trigger != ExportTrigger.BatchReady && RetryDelay == TimeSpan.Zero;
    }

    /// <summary>A batch was accepted: degraded mode ends.</summary>
    public void RecordDelivered()
    {
        Volatile.Write(ref _failuresInARow, 0);
        Volatile.Write(ref _degraded, 0);
    }

    /// <summary>
    /// A delivery failed (retries ran out, circuit open, network down): degraded mode starts, and no send happens
    /// before <paramref name="retryAfter"/> (the last answer's <c>Retry-After</c>) or the next backoff, whichever is later.
    /// </summary>
    public void RecordFailed(TimeSpan? retryAfter = null)
    {
        var failures = Interlocked.Increment(ref _failuresInARow);
        var backoff = Backoff(failures);
        var delay = retryAfter is { } asked && asked > backoff ? asked : backoff;
        Interlocked.Exchange(ref _retryAtUtcTicks, (_time.GetUtcNow() + delay).UtcTicks);
        Volatile.Write(ref _degraded, 1);
    }

    /// <summary>The backoff after <paramref name="failures"/> failures in a row: 1 s doubling, at most 60 s, with jitter (between half and all of it).</summary>
    internal static TimeSpan Backoff(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 16);
        var ceiling = Math.Min(BaseBackoff.Ticks << exponent, MaxBackoff.Ticks);
        var jittered = (ceiling / 2) + (long)(Random.Shared.NextDouble() * (ceiling / 2));
        return TimeSpan.FromTicks(Math.Max(jittered, BaseBackoff.Ticks / 2));
    }

    /// <summary>
    /// The backend rejected <paramref name="rejectedKey"/> (401/403): pauses until the configured key differs,
    /// and logs one error (event 2001) per rejected key, without the key.
    /// </summary>
    public void RecordKeyRejected(string? rejectedKey, int statusCode)
    {
        Volatile.Write(ref _pausedKey, rejectedKey ?? string.Empty);
        Volatile.Write(ref _paused, 1);
        if (Interlocked.Exchange(ref _keyRejectionLogged, 1) == 0)
        {
            ExportLog.ApiKeyRejected(_logger, statusCode);
        }
    }

    public void Dispose() => _optionsSubscription?.Dispose();

    /// <summary>Whether sending stays paused with <paramref name="currentKey"/> configured; a new key lifts the pause.</summary>
    private bool IsPausedFor(string? currentKey)
    {
        if (Volatile.Read(ref _paused) == 0)
        {
            return false;
        }

        if (string.Equals(currentKey ?? string.Empty, Volatile.Read(ref _pausedKey), StringComparison.Ordinal))
        {
            return true;
        }

        if (Interlocked.Exchange(ref _paused, 0) != 0)
        {
            Volatile.Write(ref _keyRejectionLogged, 0);
            ExportLog.ApiKeyChanged(_logger);
            Resumed?.Invoke();
        }

        return false;
    }

    private void OnOptionsChanged(ZespanOptions options, string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        // Lifts the pause (and raises Resumed) when the key changed.
        _ = IsPausedFor(options.ApiKey);
    }
}
