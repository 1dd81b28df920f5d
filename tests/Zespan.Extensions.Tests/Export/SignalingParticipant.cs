using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Tests.Export;

/// <summary>A flush-cycle participant that counts its runs and lets a test await the n-th one (optionally throwing).</summary>
internal sealed class SignalingParticipant(bool throws = false) : IFlushCycleParticipant
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public Task OnFlushCycleAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _runs++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_runs >= _waiters[i].Count)
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }

        return throws ? throw new InvalidOperationException("participant bug") : Task.CompletedTask;
    }

    public Task WaitForRunsAsync(int count)
    {
        lock (_gate)
        {
            if (_runs >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
