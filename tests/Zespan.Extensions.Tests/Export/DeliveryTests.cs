using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Zespan.Extensions.Export.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// Transient failures never drop: a 429 storm and an outage longer than the retry budget against a real Kestrel
/// backend, time driven by a <c>FakeTimeProvider</c>; and the byte budget during an outage.
/// </summary>
public class DeliveryTests
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FlushAsync_429StormWithRetryAfter_DeliversEveryEventOnceOneRequestAtATimeAtMostOnePerSecond()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "25" }, backend: backend);
        var stormEnd = h.Time.GetUtcNow() + TimeSpan.FromSeconds(20);
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        var inFlight = 0;
        var maxInFlight = 0;
        backend.Intercept = async (context, request) =>
        {
            if (request.Path != "/v1/ingest")
            {
                return false;
            }

            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            context.Response.OnCompleted(() =>
            {
                Interlocked.Decrement(ref inFlight);
                return Task.CompletedTask;
            });
            arrivals.Enqueue(h.Time.GetUtcNow());
            if (h.Time.GetUtcNow() >= stormEnd)
            {
                return false;
            }

            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsync("""{"error":{"type":"rate_limited","message":"slow down"}}""");
            return true;
        };
        h.EnqueueAll(TestEvents.Many(200, "storm"));

        await FlushUntilDeliveredAsync(h);

        // Every event exactly once, nothing dropped, nothing reported lost.
        Assert.Equal(200, h.Backend.Events.Count);
        Assert.Equal(200, h.AcceptedNames().Distinct().Count());
        Assert.Equal(0, DroppedTotal(h.Stats));
        Assert.All(h.Backend.Batches, b => Assert.Equal(0, b["dropped_since_last"]!.GetValue<long>()));
        Assert.True(h.Stats.BatchesRetained > 0);

        // During the storm: one request in flight at most, and never two within the Retry-After second.
        Assert.Equal(1, maxInFlight);
        var times = arrivals.ToArray();
        var storm = times.Where(t => t < stormEnd).ToArray();
        Assert.InRange(storm.Length, 2, 21);
        for (var i = 1; i < times.Length && times[i] < stormEnd; i++)
        {
            Assert.True(times[i] - times[i - 1] >= TimeSpan.FromSeconds(1), $"requests {i - 1} and {i} were {times[i] - times[i - 1]} apart");
        }
    }

    [Fact]
    public async Task FlushAsync_OutageLongerThanTheRetryBudget_DeliversEveryEventAfterRecovery()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "10" }, backend: backend);
        var recovery = h.Time.GetUtcNow() + TimeSpan.FromMinutes(3);
        backend.Intercept = (context, request) =>
        {
            if (request.Path == "/v1/ingest" && h.Time.GetUtcNow() < recovery)
            {
                context.Abort(); // the connection drops: a network error on every attempt
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        };
        h.EnqueueAll(TestEvents.Many(30, "before"));
        Assert.False(await FlushOnceAsync(h));
        h.EnqueueAll(TestEvents.Many(20, "during"));

        var flushes = await FlushUntilDeliveredAsync(h);

        Assert.True(flushes > 1);
        Assert.True(h.Time.GetUtcNow() >= recovery);
        Assert.Equal(50, h.Backend.Events.Count);
        Assert.Equal(
            TestEvents.Many(30, "before").Concat(TestEvents.Many(20, "during")).Select(e => e.Name),
            h.AcceptedNames());
        Assert.Equal(0, DroppedTotal(h.Stats));
        Assert.True(h.Stats.ExportFailures >= 2);
        Assert.True(h.Worker.Backlog.IsEmpty);
    }

    [Fact]
    public async Task TryEnqueue_LargePromptsDuringAnOutage_HeldBytesNeverPassMaxQueueBytesAndDropsAreCountedByReason()
    {
        const long budget = 1_048_576;
        var backend = await FakeZespanBackend.StartAsync();
        backend.Intercept = (context, request) =>
        {
            if (request.Path != "/v1/ingest")
            {
                return Task.FromResult(false);
            }

            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "0";
            return Task.FromResult(true);
        };
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["MaxQueueBytes"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture) }, backend: backend);
        using var dropped = new MetricCollector<long>(h.Services.GetRequiredService<IMeterFactory>(), "Zespan", "zespan.events.dropped");

        // 200 KB prompts: each event holds about 400 KB of UTF-16 text, so two fit.
        var first = TestEvents.Many(10, "big", promptChars: 200_000).Count(h.Queue.TryEnqueue);
        Assert.Equal(2, first);
        Assert.InRange(h.Stats.HeldBytes, 800_000, budget);

        // The backend is down: the batch is kept as its gzip body (far smaller), which makes room again.
        Assert.False(await h.Client.FlushAsync());
        Assert.True(h.Stats.HeldBytes < 100_000, $"{h.Stats.HeldBytes} bytes held by one kept batch");
        var second = TestEvents.Many(10, "more", promptChars: 200_000).Count(h.Queue.TryEnqueue);
        Assert.Equal(2, second);

        Assert.InRange(h.Stats.PeakHeldBytes, 0, budget);
        Assert.Equal(16, h.Stats.Dropped(DropReason.MemoryBudget));
        Assert.Equal(0, h.Stats.Dropped(DropReason.QueueFull));
        dropped.RecordObservableInstruments();
        var byReason = dropped.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["zespan.drop.reason"]!).ToDictionary(g => g.Key, g => g.Last().Value);
        Assert.Equal(16, byReason["memory_budget"]);
        Assert.Equal(0, byReason["queue_full"]);
        Assert.Equal(DropReasons.All.Length, byReason.Count);

        // Once the backend answers, what was kept and queued goes, and the 16 losses are reported once.
        backend.Intercept = null;
        h.Time.Advance(DeliveryGate.MaxBackoff);
        Assert.True(await h.Client.FlushAsync());
        Assert.Equal(["big0", "big1", "more0", "more1"], h.AcceptedNames());
        Assert.Equal(16, h.Backend.Batches.Sum(b => b["dropped_since_last"]!.GetValue<long>()));
        Assert.Equal(0, h.Stats.HeldBytes);
    }

    /// <summary>One flush, advancing fake time to each delay it waits for (retry delays, the gate's backoff).</summary>
    internal static async Task<bool> FlushOnceAsync(ZespanTestHost h)
    {
        var flush = h.Client.FlushAsync();
        while (true)
        {
            using var withdraw = new CancellationTokenSource();
            var timer = h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= MaxDelay, withdraw.Token);
            if (await Task.WhenAny(flush, timer) == flush)
            {
                await withdraw.CancelAsync();
                return await flush;
            }

            h.Time.Advance(await timer);
        }
    }

    /// <summary>Flushes until a flush delivered everything, advancing fake time as the export waits.</summary>
    /// <returns>The number of flushes it took.</returns>
    internal static async Task<int> FlushUntilDeliveredAsync(ZespanTestHost h, int maxFlushes = 200)
    {
        for (var i = 1; i <= maxFlushes; i++)
        {
            if (await FlushOnceAsync(h))
            {
                return i;
            }
        }

        throw new TimeoutException($"not delivered after {maxFlushes} flushes; the backend has {h.Backend.Events.Count} events");
    }

    internal static long DroppedTotal(ExportStatistics stats) => DropReasons.All.Sum(stats.Dropped);

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
