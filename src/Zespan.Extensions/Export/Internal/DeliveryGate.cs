using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Whether the export may send now, after what the backend said before. Two states: <em>degraded</em> after a
/// failed delivery (backend down, circuit open), when only the interval, a flush or a drain tries again, not
/// every batch that fills up; and <em>paused</em> after a 401/403, when nothing is sent while the rejected key
/// is still configured. A new <c>ApiKey</c> (seen through <see cref="IOptionsMonitor{TOptions}.OnChange"/>, or by
/// any reader of the options) lifts the pause and raises <see cref="Resumed"/>. Lock-free; any thread.
/// </summary>
internal sealed class DeliveryGate : IDisposable
{
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;
    private readonly IDisposable? _optionsSubscription;
    private int _paused;
    private string? _pausedKey;
    private int _keyRejectionLogged;
    private int _degraded;

    public DeliveryGate(IOptionsMonitor<ZespanOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _logger = loggerFactory.CreateLogger("Zespan");
        _optionsSubscription = options.OnChange(OnOptionsChanged);
    }

    /// <summary>Raised once when a pause ends because the configured key changed (on the thread that saw it).</summary>
    public event Action? Resumed;

    /// <summary>Gets a value indicating whether sending is paused because the backend rejected the configured key.</summary>
    public bool IsPausedForRejectedKey => Volatile.Read(ref _paused) != 0 && IsPausedFor(_options.CurrentValue.ApiKey);

    /// <summary>Gets a value indicating whether the last delivery failed, so only the interval (or a flush) tries again.</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) != 0;

    /// <summary>
    /// Whether an export started by <paramref name="trigger"/> may send: never while paused; while degraded, all
    /// but <see cref="ExportTrigger.BatchReady"/> may (an outage then costs one attempt per interval, not one per
    /// <c>BatchSize</c> events).
    /// </summary>
    public bool MaySend(ExportTrigger trigger) =>
        !IsPausedForRejectedKey && (trigger != ExportTrigger.BatchReady || !IsDegraded);

    /// <summary>A batch was accepted: degraded mode ends.</summary>
    public void RecordDelivered() => Volatile.Write(ref _degraded, 0);

    /// <summary>A delivery failed (retries ran out, circuit open, network down): degraded mode starts.</summary>
    public void RecordFailed() => Volatile.Write(ref _degraded, 1);

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
