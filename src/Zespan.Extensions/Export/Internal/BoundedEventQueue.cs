using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The bounded event queue, and the one place an event is admitted or refused (<see cref="TryAdmit"/>). The app
/// enqueues without ever blocking: an <see cref="Interlocked"/> counter reserves a slot, the <see cref="MemoryBudget"/>
/// reserves the event's bytes (its estimated size plus its raw captures), a <see cref="ConcurrentQueue{T}"/> holds the
/// event, and the consumer (the export worker) is told. At <c>MaxQueueSize</c> events, or when the bytes would pass
/// <c>MaxQueueBytes</c>, the newest event is refused and counted (<see cref="DropReason.QueueFull"/>,
/// <see cref="DropReason.MemoryBudget"/>, or <see cref="DropReason.KeyRejected"/> while a rejected key pauses sending),
/// in <see cref="ExportStatistics"/> and in <c>dropped_since_last</c>. A refused event costs no allocation, and the
/// queue does no I/O: offline storage is the export thread's work.
/// </summary>
internal sealed class BoundedEventQueue : IZespanEventQueue, IDisposable
{
    private readonly ConcurrentQueue<ZespanEvent> _items = new();
    private readonly ExportStatistics _stats;
    private readonly DropCounter _drops;
    private readonly MemoryBudget? _budget;
    private readonly DeliveryGate? _gate;
    private readonly IDisposable? _optionsSubscription;
    private IEventQueueConsumer? _consumer;
    private int _capacity;
    private int _closed;
    private long _reportedDrops;

    public BoundedEventQueue(IOptionsMonitor<ZespanOptions> options, ExportStatistics statistics, DropCounter drops, MemoryBudget? budget = null, DeliveryGate? gate = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(drops);
        _stats = statistics;
        _drops = drops;
        _budget = budget;
        _gate = gate;
        ApplyOptions(options.CurrentValue);
        _optionsSubscription = options.OnChange(OnOptionsChanged);
    }

    /// <summary>Gets the most events that may wait (<c>MaxQueueSize</c>, at least 1); a reload applies at once.</summary>
    public int Capacity => Volatile.Read(ref _capacity);

    /// <summary>Gets the number of events waiting.</summary>
    public int Count => _stats.QueueLength;

    /// <summary>Gets a value indicating whether the queue refuses every event (its worker was disposed).</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <inheritdoc/>
    public bool TryEnqueue(ZespanEvent item)
    {
        if (item is null || !TryAdmit(item, out var count))
        {
            return false;
        }

        _items.Enqueue(item);
        _stats.RecordEnqueued();
        _consumer?.OnEnqueued(count);
        return true;
    }

    /// <summary>Gets the budget the queue reserves each event's bytes from (none in some unit tests).</summary>
    public MemoryBudget? Budget => _budget;

    /// <summary>
    /// Takes the oldest event and gives its slot back (the counterpart of <see cref="TryAdmit"/>). Its bytes stay
    /// reserved (<see cref="ZespanEvent.ReservedBytes"/>) until the export gives them back.
    /// </summary>
    public bool TryDequeue([MaybeNullWhen(false)] out ZespanEvent item)
    {
        if (!_items.TryDequeue(out item))
        {
            return false;
        }

        Interlocked.Decrement(ref _stats.QueueLengthCounter);
        return true;
    }

    /// <summary>Sets who is told of each admitted event (the export worker, once, when it is created).</summary>
    public void SetConsumer(IEventQueueConsumer? consumer) => Volatile.Write(ref _consumer, consumer);

    /// <summary>Refuses every event from now on and removes what waits, giving its bytes back and its captures' buffers.</summary>
    /// <returns>The number of events removed; the caller counts them.</returns>
    public int Close()
    {
        Volatile.Write(ref _closed, 1);
        var removed = 0;
        while (TryDequeue(out var item))
        {
            Release(item);
            item.TakePendingCapture()?.Dispose();
            removed++;
        }

        return removed;
    }

    /// <summary>Gives the bytes <paramref name="item"/> reserved back to the budget.</summary>
    public void Release(ZespanEvent item)
    {
        var bytes = item.ReservedBytes;
        if (bytes > 0)
        {
            item.ReservedBytes = 0;
            _budget?.Release(bytes);
        }
    }

    /// <summary>Gets the number of events refused for a full queue since the previous call (for the log).</summary>
    public long TakeUnreportedDrops()
    {
        var total = _stats.EventsDroppedQueueFull;
        var reported = Interlocked.Exchange(ref _reportedDrops, total);
        return total - reported;
    }

    public void Dispose() => _optionsSubscription?.Dispose();

    /// <summary>
    /// Decides whether <paramref name="item"/> may wait and, when it may, reserves its slot; a refusal is counted
    /// here. Every limit on what waits (the count, <c>MaxQueueSize</c>, and the bytes, <c>MaxQueueBytes</c>) is checked in this one place.
    /// </summary>
    /// <param name="item">The event, whose bytes are measured and reserved.</param>
    /// <param name="count">The number of events waiting once this one is in.</param>
    private bool TryAdmit(ZespanEvent item, out int count)
    {
        count = 0;
        if (Volatile.Read(ref _closed) != 0)
        {
            // After dispose: counted, not reported (no batch will carry it).
            _stats.RecordDropped(DropReason.QueueFull, 1);
            return false;
        }

        // At the cap (a backend outage) a plain read refuses the event without touching the shared counter.
        var capacity = Volatile.Read(ref _capacity);
        if (Volatile.Read(ref _stats.QueueLengthCounter) >= capacity)
        {
            Refuse(DropReason.QueueFull);
            return false;
        }

        count = Interlocked.Increment(ref _stats.QueueLengthCounter);
        if (count > capacity)
        {
            Interlocked.Decrement(ref _stats.QueueLengthCounter);
            Refuse(DropReason.QueueFull);
            return false;
        }

        if (_budget is { } budget)
        {
            var bytes = EventSizeEstimator.Estimate(item) + (item.PendingCapture?.HeldBytes ?? 0);
            if (!budget.TryReserve(bytes))
            {
                Interlocked.Decrement(ref _stats.QueueLengthCounter);
                Refuse(DropReason.MemoryBudget);
                return false;
            }

            item.ReservedBytes = bytes;
        }

        return true;
    }

    /// <summary>Counts a refusal; while a rejected key pauses sending it is the pause that outlived the queue.</summary>
    private void Refuse(DropReason reason) =>
        _drops.Drop(_gate is { IsPaused: true } ? DropReason.KeyRejected : reason);

    private void ApplyOptions(ZespanOptions options) => Volatile.Write(ref _capacity, Math.Max(1, options.MaxQueueSize));

    private void OnOptionsChanged(ZespanOptions options, string? name)
    {
        if (name is null || name == Options.DefaultName)
        {
            ApplyOptions(options);
        }
    }
}
