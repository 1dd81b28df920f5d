using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Tests.Configuration;

/// <summary>An <see cref="IOptionsMonitor{TOptions}"/> a test sets by hand; <see cref="Set"/> raises OnChange like a reload.</summary>
internal sealed class TestOptionsMonitor(ZespanOptions initial) : IOptionsMonitor<ZespanOptions>
{
    private readonly Lock _gate = new();
    private readonly List<Action<ZespanOptions, string?>> _listeners = [];
    private volatile ZespanOptions _current = initial;

    public ZespanOptions CurrentValue => _current;

    public int ListenerCount
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Count;
            }
        }
    }

    public ZespanOptions Get(string? name) => _current;

    /// <summary>Replaces the options and tells every listener.</summary>
    public void Set(ZespanOptions options)
    {
        _current = options;
        Action<ZespanOptions, string?>[] listeners;
        lock (_gate)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(options, Options.DefaultName);
        }
    }

    /// <summary>Changes a copy of the current options (the same key, URL and timeouts unless <paramref name="change"/> says otherwise), then <see cref="Set"/>s it.</summary>
    public void Change(Action<ZespanOptions> change)
    {
        var current = _current;
        var next = new ZespanOptions
        {
            ApiKey = current.ApiKey,
            BaseUrl = current.BaseUrl,
            Environment = current.Environment,
            BatchSize = current.BatchSize,
            MaxBatchBytes = current.MaxBatchBytes,
            MaxQueueSize = current.MaxQueueSize,
            FlushInterval = current.FlushInterval,
            RequestTimeout = current.RequestTimeout,
            GuardrailTimeout = current.GuardrailTimeout,
            ShutdownTimeout = current.ShutdownTimeout,
            Debug = current.Debug,
        };
        change(next);
        Set(next);
    }

    public IDisposable? OnChange(Action<ZespanOptions, string?> listener)
    {
        lock (_gate)
        {
            _listeners.Add(listener);
        }

        return new Subscription(this, listener);
    }

    private sealed class Subscription(TestOptionsMonitor owner, Action<ZespanOptions, string?> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._listeners.Remove(listener);
            }
        }
    }
}
