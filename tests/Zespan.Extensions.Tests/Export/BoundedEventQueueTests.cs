using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tests.Configuration;

namespace Zespan.Extensions.Tests.Export;

public class BoundedEventQueueTests
{
    private readonly ExportStatistics _stats = new();
    private readonly DropCounter _drops;
    private readonly TestOptionsMonitor _options = new(new ZespanOptions { MaxQueueSize = 3 });

    public BoundedEventQueueTests() => _drops = new DropCounter(_stats);

    [Fact]
    public void TryEnqueue_AtMaxQueueSize_RefusesTheNewestAndCountsItForStatisticsAndTheBackend()
    {
        using var queue = new BoundedEventQueue(_options, _stats, _drops);

        var results = TestEvents.Many(5).Select(queue.TryEnqueue).ToArray();

        Assert.Equal([true, true, true, false, false], results);
        Assert.Equal(3, queue.Count);
        Assert.Equal(3, _stats.EventsEnqueued);
        Assert.Equal(2, _stats.EventsDroppedQueueFull);
        Assert.Equal(2, _drops.SinceLastAccepted);
        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal("e0", first.Name);
    }

    [Fact]
    public void TryEnqueue_Admitted_TellsTheConsumerHowManyWait()
    {
        using var queue = new BoundedEventQueue(_options, _stats, _drops);
        var consumer = new RecordingConsumer();
        queue.SetConsumer(consumer);

        foreach (var e in TestEvents.Many(4))
        {
            queue.TryEnqueue(e);
        }

        queue.TryDequeue(out _);
        queue.TryEnqueue(TestEvents.Create("after"));

        Assert.Equal([1, 2, 3, 3], consumer.Lengths);
    }

    [Fact]
    public void TryEnqueue_MaxQueueSizeReloaded_AppliesToTheNextEvent()
    {
        using var queue = new BoundedEventQueue(_options, _stats, _drops);
        TestEvents.Many(3).Select(queue.TryEnqueue).ToArray();
        Assert.False(queue.TryEnqueue(TestEvents.Create()));

        _options.Change(o => o.MaxQueueSize = 5);

        Assert.Equal(5, queue.Capacity);
        Assert.True(queue.TryEnqueue(TestEvents.Create()));
        Assert.Equal(4, queue.Count);
    }

    [Fact]
    public void Close_WithEventsWaiting_RemovesThemAndRefusesLaterOnesWithoutReportingThem()
    {
        using var queue = new BoundedEventQueue(_options, _stats, _drops);
        TestEvents.Many(2).Select(queue.TryEnqueue).ToArray();

        var removed = queue.Close();

        Assert.Equal(2, removed);
        Assert.Equal(0, queue.Count);
        Assert.True(queue.IsClosed);
        Assert.False(queue.TryEnqueue(TestEvents.Create()));
        Assert.Equal(1, _stats.EventsDroppedQueueFull);
        Assert.Equal(0, _drops.SinceLastAccepted);
    }

    [Fact]
    public void TakeUnreportedDrops_ReturnsEachRefusalOnce()
    {
        using var queue = new BoundedEventQueue(_options, _stats, _drops);
        TestEvents.Many(5).Select(queue.TryEnqueue).ToArray();

        Assert.Equal(2, queue.TakeUnreportedDrops());
        Assert.Equal(0, queue.TakeUnreportedDrops());
        queue.TryEnqueue(TestEvents.Create());
        Assert.Equal(1, queue.TakeUnreportedDrops());
    }

    [Fact]
    public void TryEnqueue_Null_IsRefusedAndNotCounted()
    {
        using var queue = new BoundedEventQueue(_options, _stats, _drops);

        Assert.False(queue.TryEnqueue(null!));

        Assert.Equal(0, _stats.EventsDroppedQueueFull);
        Assert.Equal(0, queue.Count);
    }

    private sealed class RecordingConsumer : IEventQueueConsumer
    {
        public List<int> Lengths { get; } = [];

        public void OnEnqueued(int queueLength) => Lengths.Add(queueLength);
    }
}
