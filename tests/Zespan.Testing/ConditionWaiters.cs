namespace Zespan.Testing;

/// <summary>
/// Waiters on conditions over a test double's recorded state, signalled (no polling) each time the state changes.
/// </summary>
internal sealed class ConditionWaiters
{
    private readonly object _gate = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Completes when <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (condition())
            {
                return;
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, signal));
        }

        await signal.Task.WaitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>The state changed: release every waiter whose condition now holds.</summary>
    public void Notify()
    {
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition())
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
