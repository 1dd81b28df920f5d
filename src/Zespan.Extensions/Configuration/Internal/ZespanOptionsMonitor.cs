using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// The <see cref="IOptionsMonitor{TOptions}"/> of <see cref="ZespanOptions"/>: local configuration (with
/// reloads) and remote rules through one monitor. Unlike the default monitor it never throws after the
/// first good value: a reload that fails validation keeps the last good options and is logged; and
/// <see cref="OnChange"/> fires only when the effective values really differ. Values are immutable snapshots
/// swapped atomically, so readers never see a half-applied rule set.
/// </summary>
internal sealed partial class ZespanOptionsMonitor : IOptionsMonitor<ZespanOptions>, IDisposable
{
    private readonly IOptionsFactory<ZespanOptions> _factory;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _registrations = [];
    private readonly object _gate = new();
    private readonly Dictionary<string, ZespanOptions> _named = new(StringComparer.Ordinal);
    private volatile Holder? _current;
    private event Action<ZespanOptions, string?>? Changed;

    public ZespanOptionsMonitor(
        IOptionsFactory<ZespanOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<ZespanOptions>> sources,
        ILoggerFactory loggerFactory)
    {
        _factory = factory;
        _logger = loggerFactory.CreateLogger("Zespan");
        foreach (var source in sources)
        {
            var name = source.Name ?? Options.DefaultName;
            _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, () => Reload(name)));
        }
    }

    /// <inheritdoc/>
    public ZespanOptions CurrentValue => Get(Options.DefaultName);

    /// <inheritdoc/>
    public ZespanOptions Get(string? name)
    {
        name ??= Options.DefaultName;
        if (name == Options.DefaultName)
        {
            var holder = _current;
            if (holder is not null)
            {
                return holder.Value;
            }

            lock (_gate)
            {
                // The first value is created (and validated, throwing when invalid: that is what fails
                // the host's start) under the lock.
                _current ??= new Holder(_factory.Create(name));
                return _current.Value;
            }
        }

        lock (_gate)
        {
            if (!_named.TryGetValue(name, out var value))
            {
                value = _factory.Create(name);
                _named[name] = value;
            }

            return value;
        }
    }

    /// <inheritdoc/>
    public IDisposable? OnChange(Action<ZespanOptions, string?> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Changed += listener;
        return new Subscription(this, listener);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    /// <summary>A canonical text of every effective value, to tell a real change from a no-op reload.</summary>
    internal static string Fingerprint(ZespanOptions o)
    {
        var sb = new StringBuilder(512);
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"{o.Enabled}|{o.ApiKey?.GetHashCode(StringComparison.Ordinal)}|{o.Environment}|{o.StorePrompts}|{o.SampleRate:R}|{o.ReplaceDefaultRedactKeys}|");
        sb.Append(c, $"{o.BatchSize}|{o.FlushInterval}|{o.BaseUrl}|{o.EnableOtel}|{o.OtelEndpoint}|{o.Debug}|{o.DisableConfigSync}|{o.DisableTracing}|");
        sb.Append(c, $"{o.MaxQueueSize}|{o.ShutdownTimeout}|{o.RequestTimeout}|{o.MaxBatchBytes}|{o.MaxEventBytes}|{o.GuardrailTimeout}|{o.PromptCacheTtl}|{o.RemoteConfigVersion}|");
        sb.AppendJoin(',', o.RedactKeys).Append('|');
        foreach (var (k, v) in o.OtelHeaders.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            sb.Append(k).Append('=').Append(v.GetHashCode(StringComparison.Ordinal)).Append(',');
        }

        sb.Append('|');
        foreach (var m in o.ModelOverrides)
        {
            sb.Append(m.From).Append('>').Append(m.To).Append('@').Append(m.Provider).Append(',');
        }

        sb.Append('|');
        foreach (var p in o.ModelPrices)
        {
            sb.Append(c, $"{p.Model}@{p.Provider}:{p.InputPerMillion}/{p.OutputPerMillion},");
        }

        sb.Append('|').AppendJoin(',', o.LiteLlmHosts).Append('|');
        foreach (var f in o.ExportFilters)
        {
            sb.Append(f.Field).Append(' ').Append(f.Operator).Append(' ').Append(f.Value).Append(' ').AppendJoin(';', f.Values).Append(',');
        }

        sb.Append('|');
        foreach (var g in o.GuardrailRules)
        {
            sb.Append(c, $"{g.Provider}:{g.Pre}:{g.Post}:{g.FailClosed},");
        }

        return sb.ToString();
    }

    private void Reload(string name)
    {
        ZespanOptions candidate;
        try
        {
            candidate = _factory.Create(name);
        }
        catch (OptionsValidationException ex)
        {
            // Keep the last good options; the message names the settings and never contains the key.
            LogReloadRejected(_logger, ex.Message);
            return;
        }
#pragma warning disable CA1031 // a configuration reload must never break the app
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogReloadFailed(_logger, ex);
            return;
        }

        if (name != Options.DefaultName)
        {
            lock (_gate)
            {
                _named[name] = candidate;
            }

            Raise(candidate, name);
            return;
        }

        var fingerprint = Fingerprint(candidate);
        lock (_gate)
        {
            if (_current is { } existing && existing.Fingerprint == fingerprint)
            {
                return;
            }

            _current = new Holder(candidate, fingerprint);
        }

        Raise(candidate, name);
    }

    private void Raise(ZespanOptions value, string name)
    {
        var handlers = Changed;
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<ZespanOptions, string?>)handler)(value, name);
            }
#pragma warning disable CA1031 // a listener's failure must not stop the others or the poller
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogListenerFailed(_logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = ZespanLogEvents.OptionsReloadRejected, EventName = nameof(ZespanLogEvents.OptionsReloadRejected), Level = LogLevel.Warning, Message = "Zespan kept its last good options because the new configuration is invalid: {Reason}")]
    private static partial void LogReloadRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = ZespanLogEvents.OptionsReloadFailed, EventName = nameof(ZespanLogEvents.OptionsReloadFailed), Level = LogLevel.Warning, Message = "Zespan kept its last good options because the new configuration could not be read.")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.OptionsListenerFailed, EventName = nameof(ZespanLogEvents.OptionsListenerFailed), Level = LogLevel.Warning, Message = "A Zespan options change listener threw.")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    private sealed class Holder(ZespanOptions value, string? fingerprint = null)
    {
        public ZespanOptions Value { get; } = value;

        public string Fingerprint { get; } = fingerprint ?? ZespanOptionsMonitor.Fingerprint(value);
    }

    private sealed class Subscription(ZespanOptionsMonitor owner, Action<ZespanOptions, string?> listener) : IDisposable
    {
        public void Dispose() => owner.Changed -= listener;
    }
}
