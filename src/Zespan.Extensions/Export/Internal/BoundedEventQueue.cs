using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The bounded event queue, and the one place an event is admitted or refused (<see cref="TryAdmit"/>). The app
/// enqueues without ever blocking: an <see cref="Interlocked"/> counter reserves a slot, a
/// <see cref="ConcurrentQueue{T}"/> holds the event, and the consumer (the export worker) is told. At
/// <c>MaxQueueSize</c> the newest event is refused and counted, in <see cref="ExportStatistics.EventsDroppedQueueFull"/>
/// and in <c>dropped_since_last</c>. A refused event costs no allocation.
/// </summary>
internal sealed class BoundedEventQueue : IZespanEventQueue, IDisposable
{
    private readonly ConcurrentQueue<ZespanEvent> _items = new();
    private readonly ExportStatistics _stats;
    private readonly DropCounter _drops;
    private readonly IDisposable? _optionsSubscription;
    private IEventQueueConsumer? _consumer;
    private int _capacity;
    private int _closed;
    private long _reportedDrops;

    public BoundedEventQueue(IOptionsMonitor<ZespanOptions> options, ExportStatistics statistics, DropCounter drops)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(drops);
        _stats = statistics;
        _drops = drops;
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

    /// <summary>Takes the oldest event and gives its slot back (the counterpart of <see cref="TryAdmit"/>).</summary>
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

    /// <summary>Refuses every event from now on and removes what waits.</summary>
    /// <returns>The number of events removed; the caller counts them.</returns>
    public int Close()
    {
        Volatile.Write(ref _closed, 1);
        var removed = 0;
        while (TryDequeue(out _))
        {
            removed++;
        }

        return removed;
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
    /// here. Every limit on what waits (today the count, <c>MaxQueueSize</c>) is checked in this one place.
    /// </summary>
    /// <param name="item">The event (a limit on bytes would measure it).</param>
    /// <param name="count">The number of events waiting once this one is in.</param>
    private bool TryAdmit(ZespanEvent item, out int count)
    {
        count = 0;
        if (Volatile.Read(ref _closed) != 0)
        {
            // After dispose: counted, not reported (no batch will carry it).
            _stats.RecordDroppedQueueFull();
            return false;
        }

        // At the cap (a backend outage) a plain read refuses the event without touching the shared counter.
        var capacity = Volatile.Read(ref _capacity);
        if (Volatile.Read(ref _stats.QueueLengthCounter) >= capacity)
        {
            _drops.QueueFull();
            return false;
        }

        count = Interlocked.Increment(ref _stats.QueueLengthCounter);
        if (count > capacity)
        {
            Interlocked.Decrement(ref _stats.QueueLengthCounter);
            _drops.QueueFull();
            return false;
        }

        return true;
    }

    private void ApplyOptions(ZespanOptions options) => Volatile.Write(ref _capacity, Math.Max(1, options.MaxQueueSize));

    private void OnOptionsChanged(ZespanOptions options, string? name)
    {
        if (name is null || name == Options.DefaultName)
        {
            ApplyOptions(options);
        }
    }
}
