using Microsoft.Extensions.Time.Testing;

namespace Zespan.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells a test when a timer is created, and with which due time, so the
/// test can advance time exactly when the code under test waits (a retry delay, a flush timeout) without sleeping or
/// polling; and how many timers are still waiting to fire (<see cref="PendingTimers"/>).
/// </summary>
public sealed class SignalingTimeProvider : FakeTimeProvider
{
    /// <summary>The time every test clock starts at unless told otherwise: 2026-11-21T23:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 11, 21, 23, 0, 0, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _created = [];
    private readonly List<(Func<TimeSpan, bool> Match, TaskCompletionSource<TimeSpan> Signal)> _waiters = [];
    private readonly HashSet<WatchedTimer> _pending = [];

    /// <summary>Starts at <see cref="DefaultStart"/> unless told otherwise.</summary>
    public SignalingTimeProvider(DateTimeOffset? start = null)
        : base(start ?? DefaultStart)
    {
    }

    /// <summary>Gets the number of timers (not disposed) whose next due time is set.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var watched = new WatchedTimer(this, callback, state);
        watched.Track(dueTime, period);
        watched.Inner = base.CreateTimer(static s => ((WatchedTimer)s!).Fire(), watched, dueTime, period);
        lock (_gate)
        {
            for (var i = 0; i < _waiters.Count; i++)
            {
                if (_waiters[i].Match(dueTime))
                {
                    var signal = _waiters[i].Signal;
                    _waiters.RemoveAt(i--);
                    if (signal.TrySetResult(dueTime))
                    {
                        return watched;
                    }
                }
            }

            _created.Add(dueTime);
        }

        return watched;
    }

    /// <summary>Waits for a timer (created before or after this call, not yet claimed) whose due time matches.</summary>
    public Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match, TimeSpan? timeout = null) =>
        WaitForTimerAsync(match, CancellationToken.None, timeout);

    /// <summary>Waits for a matching timer; <paramref name="cancellationToken"/> withdraws the wait, so it claims nothing later.</summary>
    public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        TaskCompletionSource<TimeSpan> signal;
        (Func<TimeSpan, bool>, TaskCompletionSource<TimeSpan>) waiter;
        lock (_gate)
        {
            var index = _created.FindIndex(d => match(d));
            if (index >= 0)
            {
                var due = _created[index];
                _created.RemoveAt(index);
                return due;
            }

            signal = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = (match, signal);
            _waiters.Add(waiter);
        }

        using var withdraw = cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }

            signal.TrySetCanceled(cancellationToken);
        });
        return await signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    /// <summary>Waits for a timer of exactly <paramref name="dueTime"/>.</summary>
    public Task<TimeSpan> WaitForTimerAsync(TimeSpan dueTime) => WaitForTimerAsync(d => d == dueTime);

    /// <summary>The timer handed out: the base class's timer, with its pending state kept for <see cref="PendingTimers"/>.</summary>
    private sealed class WatchedTimer(SignalingTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period;
        private bool _disposed;

        public ITimer Inner { get; set; } = null!;

        public void Track(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                _period = period;
                if (!_disposed && dueTime != Timeout.InfiniteTimeSpan)
                {
                    owner._pending.Add(this);
                }
                else
                {
                    owner._pending.Remove(this);
                }
            }
        }

        public void Fire()
        {
            lock (owner._gate)
            {
                if (_period <= TimeSpan.Zero || _period == Timeout.InfiniteTimeSpan)
                {
                    owner._pending.Remove(this);
                }
            }

            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Track(dueTime, period);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                _disposed = true;
                owner._pending.Remove(this);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
