using System.Text.Json;
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

    /// <summary>
    /// Gets every effective value of <paramref name="options"/> as UTF-8 JSON, to tell a real change from a
    /// no-op reload. Every public property is in it by construction (source-generated serialization of the
    /// whole object graph, no reflection), so an option added later is compared without anyone listing it.
    /// The bytes hold the API key and the OTLP headers: they are compared in memory and never logged.
    /// </summary>
    /// <returns>The bytes, or <see langword="null"/> when the options cannot be serialized (then every reload counts as a change).</returns>
    internal static byte[]? Snapshot(ZespanOptions options)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(options, ZespanOptionsJsonContext.Default.ZespanOptions);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Gets a value indicating whether two <see cref="Snapshot"/>s hold the same values (a failed snapshot equals nothing).</summary>
    internal static bool SameValues(byte[]? a, byte[]? b) =>
        a is not null && b is not null && a.AsSpan().SequenceEqual(b);

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

        var snapshot = Snapshot(candidate);
        lock (_gate)
        {
            if (_current is { } existing && SameValues(existing.Snapshot, snapshot))
            {
                return;
            }

            _current = new Holder(candidate, snapshot);
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

    private sealed class Holder(ZespanOptions value, byte[]? snapshot)
    {
        public Holder(ZespanOptions value)
            : this(value, ZespanOptionsMonitor.Snapshot(value))
        {
        }

        public ZespanOptions Value { get; } = value;

        public byte[]? Snapshot { get; } = snapshot;
    }

    private sealed class Subscription(ZespanOptionsMonitor owner, Action<ZespanOptions, string?> listener) : IDisposable
    {
        public void Dispose() => owner.Changed -= listener;
    }
}
