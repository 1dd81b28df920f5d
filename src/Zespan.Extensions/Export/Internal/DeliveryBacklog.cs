namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The batches waiting to be sent again, oldest first: those in offline storage (<see cref="OfflineBatchStore"/>),
/// then those kept in memory. A batch the backend could not take now goes to disk when offline storage is set and
/// works, else to memory within the <see cref="MemoryBudget"/>: only a budget that cannot hold it (and no disk) drops
/// it, counted as <see cref="DropReason.MemoryBudget"/>. Used on the export thread only, under the worker's export lock.
/// </summary>
internal sealed class DeliveryBacklog(OfflineBatchStore store, MemoryBudget budget, DropCounter drops, ExportStatistics statistics)
{
    private readonly LinkedList<RetainedBatch> _memory = new();
    private int _memoryCount;
    private int _memoryEvents;

    /// <summary>Gets the memory budget its batches in memory hold.</summary>
    public MemoryBudget Budget => budget;

    /// <summary>Gets the offline store.</summary>
    public OfflineBatchStore Store => store;

    /// <summary>Gets the number of batches kept in memory (readable from any thread).</summary>
    public int MemoryCount => Volatile.Read(ref _memoryCount);

    /// <summary>Gets the number of events in the batches kept in memory (readable from any thread).</summary>
    public int MemoryEvents => Volatile.Read(ref _memoryEvents);

    /// <summary>Gets a value indicating whether nothing waits to be sent again (cached for the disk: touches none).</summary>
    public bool IsEmpty => MemoryCount == 0 && !store.HasStored;

    /// <summary>
    /// Keeps a batch the backend could not take now: on disk when offline storage works (its memory is given back),
    /// else in memory. <paramref name="reserved"/> is what its events held of the budget; it becomes the body's length.
    /// </summary>
    /// <param name="batch">The batch.</param>
    /// <param name="reserved">The budget bytes its events or its earlier copy held, handed over to it.</param>
    /// <param name="first">Whether it goes before the batches in memory (it was taken from there).</param>
    /// <returns>False when it was dropped (no disk, and the budget could not take it).</returns>
    public bool Keep(RetainedBatch batch, long reserved, bool first = false)
    {
        statistics.RecordRetained();
        if (store.TryWrite(batch))
        {
            budget.Release(reserved);
            if (batch.CarriedHere)
            {
                drops.Stored(batch.DroppedReported);
                batch.CarriedHere = false;
            }

            return true;
        }

        // In memory, the batch holds its body's length: usually much less than its events did.
        var length = batch.Body.Length;
        if (length <= reserved)
        {
            budget.Release(reserved - length);
        }
        else if (!budget.TryReserve(length - reserved))
        {
            budget.Release(reserved);
            drops.Unclaim(batch.DroppedReported, batch.CarriedHere);
            drops.Drop(DropReason.MemoryBudget, batch.EventCount);
            return false;
        }

        batch.ReservedBytes = length;
        if (first)
        {
            _memory.AddFirst(batch);
        }
        else
        {
            _memory.AddLast(batch);
        }

        Interlocked.Increment(ref _memoryCount);
        Interlocked.Add(ref _memoryEvents, batch.EventCount);
        return true;
    }

    /// <summary>Takes the oldest waiting batch: a stored one (claimed, so no other process sends it), else one in memory.</summary>
    public bool TryTakeNext(out RetainedBatch batch)
    {
        if (store.TryClaimNext(out batch))
        {
            return true;
        }

        if (_memory.First is { } first)
        {
            _memory.RemoveFirst();
            batch = first.Value;
            Interlocked.Decrement(ref _memoryCount);
            Interlocked.Add(ref _memoryEvents, -batch.EventCount);
            return true;
        }

        batch = null!;
        return false;
    }

    /// <summary>A taken batch could not be sent now: it goes back where it came from, first in line.</summary>
    public void PutBack(RetainedBatch batch)
    {
        if (batch.ClaimedPath is not null && store.Release(batch))
        {
            return;
        }

        // In memory (it keeps its reservation), or a claimed file that could not be renamed back: then it is sent
        // from memory, and its claim file, left in place, is what a restart would find.
        _memory.AddFirst(batch);
        Interlocked.Increment(ref _memoryCount);
        Interlocked.Add(ref _memoryEvents, batch.EventCount);
    }

    /// <summary>A taken batch is done with (accepted, rejected or split): its file is removed and its memory given back.</summary>
    public void Complete(RetainedBatch batch)
    {
        store.Complete(batch);
        budget.Release(batch.ReservedBytes);
        batch.ReservedBytes = 0;
    }

    /// <summary>Moves every batch kept in memory to disk, when offline storage works (host stopping, backend down).</summary>
    public void MoveToDisk()
    {
        while (store.IsAvailable && _memory.First is { } node)
        {
            var batch = node.Value;
            if (!store.TryWrite(batch))
            {
                return;
            }

            _memory.RemoveFirst();
            Interlocked.Decrement(ref _memoryCount);
            Interlocked.Add(ref _memoryEvents, -batch.EventCount);
            budget.Release(batch.ReservedBytes);
            batch.ReservedBytes = 0;
            if (batch.CarriedHere)
            {
                drops.Stored(batch.DroppedReported);
                batch.CarriedHere = false;
            }

            store.Complete(batch); // a batch that was claimed from disk and kept in memory: its old claim goes
        }
    }

    /// <summary>Forgets the batches in memory (dispose), counting their events as lost at shutdown.</summary>
    /// <returns>The number of events dropped.</returns>
    public int DropAll()
    {
        var events = 0;
        while (_memory.First is { } node)
        {
            _memory.RemoveFirst();
            var batch = node.Value;
            budget.Release(batch.ReservedBytes);
            if (batch.ClaimedPath is null)
            {
                events += batch.EventCount;
                drops.Unclaim(batch.DroppedReported, batch.CarriedHere);
            }
        }

        Volatile.Write(ref _memoryCount, 0);
        Volatile.Write(ref _memoryEvents, 0);
        drops.Drop(DropReason.Shutdown, events);
        return events;
    }
}
