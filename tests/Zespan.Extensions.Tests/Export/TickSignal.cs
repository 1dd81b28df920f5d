using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// Counts the <c>FlushInterval</c> ticks the export worker has handled (its loop finished with each) and lets a
/// test await the n-th one, so a test that advances time knows the tick ran before it asserts what it did not send.
/// </summary>
internal sealed class TickSignal : IDisposable
{
    private readonly ExportWorker _worker;
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _ticks;

    public TickSignal(ExportWorker worker)
    {
        _worker = worker;
        worker.TickHandled += OnTickHandled;
    }

    public int Ticks => Volatile.Read(ref _ticks);

    public Task WaitForTicksAsync(int count)
    {
        lock (_gate)
        {
            if (_ticks >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public void Dispose() => _worker.TickHandled -= OnTickHandled;

    private void OnTickHandled()
    {
        lock (_gate)
        {
            _ticks++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_ticks >= _waiters[i].Count)
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
