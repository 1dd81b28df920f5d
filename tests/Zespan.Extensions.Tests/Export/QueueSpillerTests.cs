using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tests.Configuration;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// Offline storage takes what the memory budget cannot hold while a request is in flight (an attempt that hangs, the
/// Ingest pipeline's retries and their delays): against a real Kestrel backend, time driven by a <c>FakeTimeProvider</c>,
/// a burst several times <c>MaxQueueBytes</c> is admitted whole and every event is delivered exactly once, in order.
/// </summary>
public sealed class QueueSpillerTests : IDisposable
{
    /// <summary>The smallest budget the options take; a test event holds about 7 KB of it while queued.</summary>
    private const long Budget = 65_536;

    private const int Burst = 60;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "zespan-spill-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task FlushAsync_BurstLargerThanMaxQueueBytesWhileTheBackendHangs_DropsNothingAndDeliversEveryEventOnceInOrder()
    {
        var backend = await FakeZespanBackend.StartAsync();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Intercept = async (context, request) =>
        {
            if (request.Path == "/v1/ingest" && !hang.Task.IsCompleted)
            {
                // The first request hangs until the test lets it go; then the backend takes it, and everything after it.
                arrived.TrySetResult();
                try
                {
                    await hang.Task.WaitAsync(context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return true; // the client went away (the test ended early)
                }
            }

            return false;
        };

        // BatchSize above everything queued (no batch-size wake-up: the flush owns the pass); two events per batch by size.
        await using var h = await StartAsync(backend, new() { ["BatchSize"] = "100", ["MaxBatchBytes"] = "8192" });
        using var spills = new SpillSignal(h.Worker.Spiller!);
        h.EnqueueAll(Events("flushed", 6));
        var flush = h.Client.FlushAsync();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // While the first batch hangs, a burst several times the budget: the export thread moves what waits to disk.
        await EnqueueWithinBudgetAsync(h, spills, Events("burst", Burst));
        Assert.Equal(0, DeliveryTests.DroppedTotal(h.Stats));
        Assert.True(h.Stats.BatchesStored > 0);
        Assert.InRange(h.Stats.PeakHeldBytes, 0, Budget);
        Assert.Single(h.Ingests); // one request in flight all along

        // The backend answers: the flush returns once everything queued before it was accepted, spilled events included.
        hang.TrySetResult();
        Assert.True(await flush);
        Assert.Subset(h.AcceptedNames().ToHashSet(), Names("flushed", 6).ToHashSet());
        Assert.True(await h.Client.FlushAsync());

        AssertDeliveredOnceInOrder(h, Names("flushed", 6).Concat(Names("burst", Burst)));
    }

    [Fact]
    public async Task FlushAsync_BurstLargerThanMaxQueueBytesDuringTheIngestPipelinesRetries_DropsNothingAndDeliversEveryEventOnceInOrder()
    {
        var backend = await FakeZespanBackend.StartAsync();
        var recovered = false;
        backend.Intercept = async (context, request) =>
        {
            if (request.Path != "/v1/ingest" || Volatile.Read(ref recovered))
            {
                return false;
            }

            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("""{"error":{"type":"unavailable","message":"down"}}""");
            return true;
        };
        await using var h = await StartAsync(backend, new() { ["BatchSize"] = "5" });
        using var spills = new SpillSignal(h.Worker.Spiller!);

        // A batch-size wake-up sends the first batch: it fails, and the Ingest pipeline waits (fake time) to retry it.
        h.EnqueueAll(Events("first", 5));
        var retry = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= DeliveryGate.MaxBackoff);

        await EnqueueWithinBudgetAsync(h, spills, Events("burst", Burst));
        Assert.Equal(0, DeliveryTests.DroppedTotal(h.Stats));
        Assert.True(h.Stats.BatchesStored > 0);
        Assert.InRange(h.Stats.PeakHeldBytes, 0, Budget);

        // The retries run out (4 attempts): the first batch is kept, on disk, still before the events spilled after it.
        for (var attempt = 2; attempt <= 4; attempt++)
        {
            h.Time.Advance(retry);
            await backend.WaitForRequestsAsync("/v1/ingest", attempt);
            if (attempt < 4)
            {
                retry = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= DeliveryGate.MaxBackoff);
            }
        }

        await h.Worker.WaitForExportIdleAsync();
        Assert.Empty(h.Backend.Events);
        Volatile.Write(ref recovered, true);
        await DeliveryTests.FlushUntilDeliveredAsync(h);

        AssertDeliveredOnceInOrder(h, Names("first", 5).Concat(Names("burst", Burst)));
    }

    [Fact]
    public async Task WhileInFlightAsync_EnqueueFinishingAfterALookThatTookNothing_SpillsTheEventWhenItIsQueued()
    {
        using var unit = new SpillerUnit(_directory);
        using var spills = new SpillSignal(unit.Spiller);
        var request = new TaskCompletionSource<IngestResult>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Past the mark (batches kept in memory), and an enqueue between its admission and its queueing: counted, not
        // yet in the queue. The spill's first look finds it due and takes nothing.
        Assert.True(unit.Memory.TryReserve(Budget / 2));
        Interlocked.Increment(ref unit.Stats.QueueLengthCounter);
        var inFlight = unit.Spiller.WhileInFlightAsync(new ValueTask<IngestResult>(request.Task), CancellationToken.None).AsTask();
        Assert.Equal(0, unit.Spiller.TakeSpilled(out _));

        // The enqueue finishes (the same count, its event now in the queue, then its signal): the pass spills it.
        Interlocked.Decrement(ref unit.Stats.QueueLengthCounter);
        Assert.True(unit.Queue.TryEnqueue(TestEvents.Create("late")));
        await spills.WaitAsync();

        Assert.Equal(1, unit.Spiller.TakeSpilled(out var events));
        Assert.Equal(1, events);
        Assert.Equal(0, unit.Queue.Count);
        Assert.Equal(1, unit.Store.StoredCount);
        Assert.False(inFlight.IsCompleted);

        var accepted = new IngestResult(IngestOutcome.Accepted, 202, "accepted");
        request.SetResult(accepted);
        Assert.Equal(accepted, await inFlight);
    }

    [Fact]
    public async Task WhileInFlightAsync_SpillerDisposedWhileWaiting_StopsSpillingAndReturnsTheRequestsAnswer()
    {
        using var unit = new SpillerUnit(_directory);
        var request = new TaskCompletionSource<IngestResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = unit.Spiller.WhileInFlightAsync(new ValueTask<IngestResult>(request.Task), CancellationToken.None).AsTask();

        unit.Spiller.Dispose();
        Assert.True(unit.Memory.TryReserve(Budget / 2));
        Assert.True(unit.Queue.TryEnqueue(TestEvents.Create("after-dispose")));
        var failed = new IngestResult(IngestOutcome.Failed, 503, "unavailable");
        request.SetResult(failed);

        Assert.Equal(failed, await inFlight);
        Assert.Equal(0, unit.Spiller.TakeSpilled(out var events));
        Assert.Equal(0, events);
        Assert.Equal(1, unit.Queue.Count);
        Assert.Equal(0, unit.Store.StoredCount);
    }

    /// <summary>
    /// Enqueues like an app whose calls keep coming: each event is offered once the budget has room for it, waiting for
    /// the export thread to make room when it has none (on code that does not spill, no room ever comes and this fails).
    /// </summary>
    private static async Task EnqueueWithinBudgetAsync(ZespanTestHost h, SpillSignal spills, IEnumerable<ZespanEvent> events)
    {
        foreach (var e in events)
        {
            var bytes = EventSizeEstimator.Estimate(e);
            while (h.Stats.HeldBytes + bytes > Budget)
            {
                await spills.WaitAsync();
            }

            Assert.True(h.Queue.TryEnqueue(e), $"{e.Name} was refused with {h.Stats.HeldBytes} bytes held");
        }
    }

    /// <summary>Each event in exactly one accepted batch, in the order the app recorded them; nothing lost, nothing left.</summary>
    private void AssertDeliveredOnceInOrder(ZespanTestHost h, IEnumerable<string> expected)
    {
        Assert.Equal(expected, h.AcceptedNames());
        Assert.Equal(0, DeliveryTests.DroppedTotal(h.Stats));
        Assert.All(h.Backend.Batches, b => Assert.Equal(0, b["dropped_since_last"]!.GetValue<long>()));
        Assert.Empty(Directory.GetFiles(_directory, "*.zsb"));
        Assert.Equal(0, h.Stats.QueueLength);
        Assert.Equal(0, h.Stats.HeldBytes);
    }

    private static ZespanEvent[] Events(string prefix, int count) => TestEvents.Many(count, prefix, promptChars: 3_000);

    private static IEnumerable<string> Names(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture));

    private async Task<ZespanTestHost> StartAsync(FakeZespanBackend backend, Dictionary<string, string?> settings)
    {
        settings["OfflineStorageDirectory"] = _directory;
        settings["MaxQueueBytes"] = Budget.ToString(CultureInfo.InvariantCulture);
        settings["Debug"] = "false";
        return await ZespanTestHost.StartExportAsync(settings, backend: backend);
    }

    /// <summary>A <see cref="QueueSpiller"/> on its own: a queue with a byte budget, offline storage, no worker.</summary>
    private sealed class SpillerUnit : IDisposable
    {
        private readonly DeliveryGate _gate;
        private readonly BatchSender _sender;

        public SpillerUnit(string directory)
        {
            var options = new TestOptionsMonitor(new ZespanOptions
            {
                ApiKey = "zsp_spill_unit_key_1",
                Environment = "test",
                BatchSize = 100,
                MaxQueueBytes = Budget,
                OfflineStorageDirectory = directory,
            });
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 22, 0, 0, TimeSpan.Zero));
            var drops = new DropCounter(Stats);
            Memory = new MemoryBudget(options, Stats);
            Store = new OfflineBatchStore(options, time, drops, Stats, NullLoggerFactory.Instance);
            _gate = new DeliveryGate(options, NullLoggerFactory.Instance);
            _sender = new BatchSender(new FakeExporter(), _gate, drops, Stats, options, time, NullLoggerFactory.Instance, new DeliveryBacklog(Store, Memory, drops, Stats), Memory);
            Queue = new BoundedEventQueue(options, Stats, drops, Memory);
            Spiller = new QueueSpiller(Queue, new PassThrough(), _sender.CreateStoreOnly(), Stats);
            Queue.SetConsumer(new SpillOnEnqueue(Spiller));
        }

        public ExportStatistics Stats { get; } = new();

        public MemoryBudget Memory { get; }

        public OfflineBatchStore Store { get; }

        public BoundedEventQueue Queue { get; }

        public QueueSpiller Spiller { get; }

        public void Dispose()
        {
            Spiller.Dispose();
            Queue.Dispose();
            _sender.Dispose();
            _gate.Dispose();
            Memory.Dispose();
        }

        private sealed class PassThrough : IEventPreparer
        {
            public bool Prepare(ZespanEvent item) => true;
        }

        /// <summary>What the export worker does for the spiller after each admitted event.</summary>
        private sealed class SpillOnEnqueue(QueueSpiller spiller) : IEventQueueConsumer
        {
            public void OnEnqueued(int queueLength) => spiller.OnEnqueued();
        }
    }

    /// <summary>Signals each spill of the worker's <see cref="QueueSpiller"/>, so a test waits for room instead of polling.</summary>
    private sealed class SpillSignal : IDisposable
    {
        private readonly QueueSpiller _spiller;
        private readonly SemaphoreSlim _spilled = new(0);

        public SpillSignal(QueueSpiller spiller)
        {
            _spiller = spiller;
            spiller.Spilled += OnSpilled;
        }

        public async Task WaitAsync()
        {
            if (!await _spilled.WaitAsync(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("The export thread made no room in the memory budget while a request was in flight.");
            }
        }

        public void Dispose()
        {
            _spiller.Spilled -= OnSpilled;
            _spilled.Dispose();
        }

        private void OnSpilled(int events) => _spilled.Release();
    }
}
