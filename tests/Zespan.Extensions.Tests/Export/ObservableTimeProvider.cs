using Microsoft.Extensions.Time.Testing;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// A <see cref="FakeTimeProvider"/> (Microsoft.Extensions.TimeProvider.Testing) that also tells a test when a timer was created, and with which due time,
/// so the test can advance time exactly when the code under test waits (a retry delay, a flush timeout),
/// without sleeping or polling.
/// </summary>
internal sealed class ObservableTimeProvider : TimeProvider
{
    private readonly FakeTimeProvider _inner = new(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero));
    private readonly Lock _gate = new();
    private readonly List<Created> _created = [];
    private readonly List<(Func<TimeSpan, bool> Match, TaskCompletionSource<TimeSpan> Signal)> _waiters = [];

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public void Advance(TimeSpan by) => _inner.Advance(by);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = _inner.CreateTimer(callback, state, dueTime, period);
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
                        return timer;
                    }
                }
            }

            _created.Add(new Created(dueTime));
        }

        return timer;
    }

    /// <summary>Waits for a timer (created before or after this call, not yet claimed) whose due time matches.</summary>
    public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match, TimeSpan? timeout = null) =>
        await WaitForTimerAsync(match, CancellationToken.None, timeout);

    /// <summary>Waits for a matching timer; <paramref name="cancellationToken"/> withdraws the wait, so it claims nothing later.</summary>
    public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        TaskCompletionSource<TimeSpan> signal;
        (Func<TimeSpan, bool>, TaskCompletionSource<TimeSpan>) waiter;
        lock (_gate)
        {
            var index = _created.FindIndex(c => match(c.DueTime));
            if (index >= 0)
            {
                var due = _created[index].DueTime;
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
        return await signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits for a timer of exactly <paramref name="dueTime"/>.</summary>
    public Task<TimeSpan> WaitForTimerAsync(TimeSpan dueTime) => WaitForTimerAsync(d => d == dueTime);

    private sealed record Created(TimeSpan DueTime);
}
