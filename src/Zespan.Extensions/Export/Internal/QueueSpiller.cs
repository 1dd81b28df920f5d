namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Moves waiting events from the queue to offline storage while a request is in flight, each time the
/// <see cref="MemoryBudget"/> passes its high-water mark (half of <c>MaxQueueBytes</c>). A send may take long (an
/// attempt that hangs until <c>RequestTimeout</c>, retries and their delays); without this the budget would fill
/// meanwhile and refuse events although offline storage has room. Events are prepared and batched with a store-only
/// <see cref="BatchSender"/> of its own (its own batch writer: the batch in flight keeps its buffers), and kept by the
/// <see cref="DeliveryBacklog"/> as their exact gzip body and <c>batch_id</c>, to be sent later like any stored batch.
/// </summary>
/// <remarks>
/// <para>
/// The spill runs in the export pass that sent the request, under the worker's export lock, while that pass waits
/// for the answer: the queue, the event preparer and the offline store are still used by one flow at a time. The
/// app's thread only completes a signal (<see cref="OnEnqueued"/>: two field reads, and one completion when the mark is
/// passed); it never waits and never touches the disk. An event is taken from the queue once, by the spill or by
/// the pass, so none is sent twice.
/// </para>
/// <para>
/// The export pass learns what was moved (<see cref="TakeSpilled"/>): those events are older than what is still
/// queued, so the pass sends the stored batches before it goes on with the queue.
/// </para>
/// </remarks>
internal sealed class QueueSpiller : IDisposable
{
    private readonly BoundedEventQueue _queue;
    private readonly IEventPreparer _preparer;
    private readonly BatchSender _batches;
    private readonly OfflineBatchStore _store;
    private readonly MemoryBudget? _budget;
    private readonly ExportStatistics _stats;
    private TaskCompletionSource? _signal;
    private int _spilledEvents;
    private int _spilledBatches;
    private int _disposed;

    /// <param name="queue">The queue to take events from.</param>
    /// <param name="preparer">The step each event goes through before it is serialized.</param>
    /// <param name="batches">A store-only sender (<see cref="BatchSender.CreateStoreOnly"/>); disposed with this.</param>
    /// <param name="statistics">Where a caught failure is counted.</param>
    public QueueSpiller(BoundedEventQueue queue, IEventPreparer preparer, BatchSender batches, ExportStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(preparer);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(statistics);
        _queue = queue;
        _preparer = preparer;
        _batches = batches;
        _store = batches.Backlog.Store;
        _budget = queue.Budget;
        _stats = statistics;
    }

    /// <summary>Raised after each spill, with the number of events it moved (for tests that wait for room).</summary>
    internal event Action<int>? Spilled;

    /// <summary>Gets a value indicating whether spilling can happen at all (offline storage configured, a byte budget).</summary>
    public bool IsEnabled => _store.IsConfigured && _budget is not null;

    /// <summary>Gets a value indicating whether a spill is due now: the mark is passed, events wait, the disk works.</summary>
    private bool IsDue => _budget is { IsUnderPressure: true } && _queue.Count > 0 && _store.IsAvailable;

    /// <summary>
    /// Called on the app's thread after an event was admitted (it is in the queue now): while a request is in flight and
    /// the budget is past its high-water mark, wakes the export pass to spill. Field reads only, and at most one
    /// completion per look the pass takes at the budget.
    /// </summary>
    public void OnEnqueued()
    {
        var signal = Volatile.Read(ref _signal);
        if (signal is not null && !signal.Task.IsCompleted && _budget is { IsUnderPressure: true })
        {
            signal.TrySetResult();
        }
    }

    /// <summary>
    /// Awaits <paramref name="pending"/> (a request in flight); meanwhile spills each time the budget passes its
    /// high-water mark. Never throws (a failed spill is counted and ends spilling for this request).
    /// </summary>
    /// <remarks>
    /// A fresh signal is published before each look at the budget (with a full fence), and an enqueue reads it only
    /// after its event is in the queue (its counters are interlocked): either the look sees the event, or the enqueue
    /// sees the signal and completes it, so no wake-up is missed. The loop only waits on a signal that is not yet
    /// completed, and every completion is an admitted event, an end of <paramref name="cancellationToken"/> or the
    /// dispose: it never spins. An event counted but not yet in the queue (an enqueue between its admission and its
    /// <see cref="OnEnqueued"/>) makes a look take nothing; that is no reason to stop, its <see cref="OnEnqueued"/> comes.
    /// </remarks>
    public async ValueTask<IngestResult> WhileInFlightAsync(ValueTask<IngestResult> pending, CancellationToken cancellationToken)
    {
        if (!IsEnabled || pending.IsCompleted)
        {
            return await pending.ConfigureAwait(false);
        }

        var request = pending.AsTask();
        using var registration = cancellationToken.UnsafeRegister(static state => ((QueueSpiller)state!).Wake(), this);
        try
        {
            var signal = Publish();
            while (!request.IsCompleted && !cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
            {
                if (IsDue)
                {
                    var taken = Spill(cancellationToken);
                    if (taken < 0)
                    {
                        break;
                    }

                    if (taken > 0)
                    {
                        signal = Publish();
                        continue;
                    }

                    // Counted but not yet in the queue: that enqueue is finishing, and its OnEnqueued completes this signal.
                }

                await Task.WhenAny(request, signal.Task).ConfigureAwait(false);
                signal = Publish();
            }
        }
        finally
        {
            Volatile.Write(ref _signal, null);
        }

        return await request.ConfigureAwait(false);
    }

    /// <summary>Gets and resets what was spilled since the last call: the number of batches stored, and of events in them.</summary>
    public int TakeSpilled(out int events)
    {
        events = _spilledEvents;
        var batches = _spilledBatches;
        _spilledEvents = 0;
        _spilledBatches = 0;
        return batches;
    }

    /// <summary>Stops spilling (a pass waiting for a request wakes and only awaits it) and gives the batch writer's buffers back.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        Wake();
        _batches.Dispose();
    }

    /// <summary>Moves the events queued now to offline storage, batched.</summary>
    /// <returns>The number of events taken from the queue; -1 when the spill failed or the sender is disposed: stop spilling for this request.</returns>
    private int Spill(CancellationToken cancellationToken)
    {
        var remaining = _queue.Count;
        var taken = 0;
        var stored = 0;
        try
        {
            if (!_batches.TryBeginPass())
            {
                return -1;
            }

            try
            {
                while (remaining > 0 && _store.IsAvailable && !cancellationToken.IsCancellationRequested)
                {
                    while (_batches.CanTakeMore && remaining > 0 && _queue.TryDequeue(out var item))
                    {
                        remaining--;
                        taken++;
                        if (_preparer.Prepare(item))
                        {
                            _batches.Add(item);
                        }
                        else
                        {
                            _queue.Release(item);
                        }
                    }

                    if (!_batches.HasReady)
                    {
                        break;
                    }

                    _batches.StoreReady();
                    stored++;
                }

                // An event held over for the next batch (the last one was full by size) is stored too.
                while (_batches.HasReady)
                {
                    _batches.StoreReady();
                    stored++;
                }
            }
            finally
            {
                _batches.EndPass();
            }
        }
#pragma warning disable CA1031 // the request in flight must still be awaited: count, log nothing here, stop spilling
        catch (Exception)
#pragma warning restore CA1031
        {
            _stats.RecordInternalError();
            _spilledEvents += taken;
            _spilledBatches += stored;
            return -1;
        }

        _spilledEvents += taken;
        _spilledBatches += stored;
        if (taken > 0)
        {
            RaiseSpilled(taken);
        }

        return taken;
    }

    /// <summary>Publishes a fresh signal; the full fence orders it before the look at the budget and the queue that follows.</summary>
    private TaskCompletionSource Publish()
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _signal, signal);
        return signal;
    }

    /// <summary>Wakes a pass waiting for a signal (the request's token ended, or this was disposed), so it looks again and stops.</summary>
    private void Wake() => Volatile.Read(ref _signal)?.TrySetResult();

    private void RaiseSpilled(int events)
    {
        try
        {
            Spilled?.Invoke(events);
        }
#pragma warning disable CA1031 // an observer never stops the export
        catch (Exception)
#pragma warning restore CA1031
        {
            _stats.RecordInternalError();
        }
    }
}
