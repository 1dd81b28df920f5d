using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Extensions.Export.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

public class ExportFailureTests
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FlushAsync_Two503s_RetriesTheSameBatchIdWithAByteIdenticalBody()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        h.Backend.FailNext("/v1/ingest", 2);
        h.EnqueueAll(TestEvents.Many(3));

        var flush = h.Client.FlushAsync();
        for (var i = 0; i < 2; i++)
        {
            // Exponential backoff with jitter: advance by exactly the delay the retry waits for.
            var delay = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= MaxRetryDelay);
            h.Time.Advance(delay);
        }

        Assert.True(await flush);
        var requests = h.Ingests;
        Assert.Equal(3, requests.Count);
        var key = Assert.Single(requests.Select(r => r.Header("Idempotency-Key")).Distinct());
        Assert.All(requests, r => Assert.Equal(key, ExportHost.Envelope(r)["batch_id"]!.GetValue<string>()));
        Assert.All(requests, r => Assert.Equal(requests[0].RawBody, r.RawBody));
        Assert.Equal(3, Assert.Single(h.Backend.Batches)["events"]!.AsArray().Count);
        Assert.Equal(2, h.Stats.Retries);
        Assert.Equal(3, h.Stats.EventsExported);
    }

    public static TheoryData<int, string, int> RetryAfterCases => new()
    {
        { 429, "7", 7 },
        { 503, "120", 60 },
        { 503, "Sat, 21 Nov 2026 23:00:30 GMT", 30 },
        { 408, "3", 3 },
    };

    [Theory]
    [MemberData(nameof(RetryAfterCases))]
    public async Task FlushAsync_RetryAfter_WaitsThatLongCappedAt60SecondsThenSendsTheSameBatch(int status, string retryAfter, int expectedSeconds)
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(status, """{"error":{"type":"rate_limited","message":"slow down"}}""", new Dictionary<string, string> { ["Retry-After"] = retryAfter }));
        h.EnqueueAll(TestEvents.Many(2));

        var flush = h.Client.FlushAsync();
        var delay = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= MaxRetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
        h.Time.Advance(delay);

        Assert.True(await flush);
        var requests = h.Ingests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Header("Idempotency-Key"), requests[1].Header("Idempotency-Key"));
        Assert.Equal(requests[0].RawBody, requests[1].RawBody);
        Assert.Equal(2, h.Backend.Events.Count);
    }

    [Fact]
    public async Task FlushAsync_413_SplitsTheBatchIntoTwoNewBatchIds()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(413, """{"error":{"type":"too_large","message":"body too large"}}"""));
        h.EnqueueAll(TestEvents.Many(5));

        Assert.True(await h.Client.FlushAsync());

        var requests = h.Ingests;
        Assert.Equal(3, requests.Count);
        var ids = requests.Select(r => ExportHost.Envelope(r)["batch_id"]!.GetValue<string>()).ToArray();
        Assert.Equal(3, ids.Distinct().Count());
        Assert.All(requests, r => Assert.Equal(ExportHost.Envelope(r)["batch_id"]!.GetValue<string>(), r.Header("Idempotency-Key")));
        Assert.Equal([5, 2, 3], requests.Select(r => ExportHost.Envelope(r)["events"]!.AsArray().Count));
        Assert.Equal(["e0", "e1", "e2", "e3", "e4"], h.AcceptedNames());
        Assert.Equal(0, h.Stats.EventsDroppedRejected + h.Stats.EventsDroppedFailedDelivery);
    }

    [Fact]
    public async Task FlushAsync_413ForLoneEvents_DropsCountsAndReportsThemAndStillReturnsTrue()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(413), count: 3);
        h.EnqueueAll(TestEvents.Many(2));

        Assert.True(await h.Client.FlushAsync());

        Assert.Equal([2, 1, 1], h.Ingests.Select(r => ExportHost.Envelope(r)["events"]!.AsArray().Count));
        Assert.Empty(h.Backend.Events);
        Assert.Equal(2, h.Stats.EventsDroppedRejected);

        h.Queue.TryEnqueue(TestEvents.Create("next"));
        Assert.True(await h.Client.FlushAsync());
        Assert.Equal(2, Assert.Single(h.Backend.Batches)["dropped_since_last"]!.GetValue<long>());
    }

    [Fact]
    public async Task FlushAsync_400_DropsCountsLogsOnceAndReportsTheLoss()
    {
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["Debug"] = "false" });
        h.Backend.FailNext("/v1/ingest", 2, HttpStatusCode.BadRequest);

        h.EnqueueAll(TestEvents.Many(3));
        Assert.True(await h.Client.FlushAsync());
        h.EnqueueAll(TestEvents.Many(2, "again"));
        Assert.True(await h.Client.FlushAsync());

        Assert.Equal(2, h.Ingests.Count);
        Assert.Equal(5, h.Stats.EventsDroppedRejected);
        Assert.Equal(2, h.Stats.ExportFailures);
        Assert.Equal(0, h.Stats.Retries);
        var log = Assert.Single(h.Logs.WithEventId(2003));
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Equal("Zespan", log.Category);
        Assert.Contains("HTTP 400", log.Message, StringComparison.Ordinal);

        h.Queue.TryEnqueue(TestEvents.Create("accepted"));
        Assert.True(await h.Client.FlushAsync());
        Assert.Equal(5, Assert.Single(h.Backend.Batches)["dropped_since_last"]!.GetValue<long>());
        Assert.Equal(0, h.Drops.SinceLastAccepted);
    }

    [Fact]
    public async Task FlushAsync_401_PausesSendingUntilTheApiKeyChanges()
    {
        const string revoked = "zsp_revoked_key_1";
        const string rotated = "zsp_rotated_key_2";
        await using var h = await ZespanTestHost.StartExportAsync(
            new() { ["ApiKey"] = revoked, ["Debug"] = "false", ["MaxQueueSize"] = "4" });
        using var ticks = new TickSignal(h.Worker);
        h.EnqueueAll(TestEvents.Many(2, "first"));

        Assert.False(await h.Client.FlushAsync());
        Assert.Single(h.Ingests);
        Assert.True(h.Gate.IsPausedForRejectedKey);
        Assert.Equal(0, h.Stats.EventsDroppedFailedDelivery); // the rejected batch is kept, not dropped

        // Paused: the queue keeps filling to its cap, then drops and counts (the pause outlived the queue);
        // neither a flush nor a tick sends.
        var accepted = TestEvents.Many(5, "second").Count(h.Queue.TryEnqueue);
        Assert.Equal(4, accepted);
        Assert.Equal(1, h.Stats.EventsDroppedQueueFull);
        Assert.Equal(1, h.Stats.Dropped(DropReason.KeyRejected));
        Assert.False(await h.Client.FlushAsync());
        h.Time.Advance(ExportHost.FlushInterval);
        await ticks.WaitForTicksAsync(1);
        Assert.Single(h.Ingests);

        var error = Assert.Single(h.Logs.WithEventId(2001));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.DoesNotContain(revoked, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("revoked", error.Message, StringComparison.Ordinal);

        // A new key lifts the pause at once (IOptionsMonitor.OnChange), and what waited is sent.
        h.Backend.AcceptedKeys.Add(rotated);
        h.Reload("ApiKey", rotated);
        await h.Backend.WaitForEventsAsync(6);

        // The kept batch goes first (same batch id), then what waited; the one loss is reported once.
        Assert.Equal(["first0", "first1", "second0", "second1", "second2", "second3"], h.AcceptedNames());
        Assert.Equal(h.Ingests[0].Header("Idempotency-Key"), h.Backend.Batches[0]["batch_id"]!.GetValue<string>());
        Assert.Equal(1, h.Backend.Batches.Sum(b => b["dropped_since_last"]!.GetValue<long>()));
        Assert.Equal($"Bearer {rotated}", h.Ingests[^1].Header("Authorization"));
        Assert.False(h.Gate.IsPausedForRejectedKey);
        Assert.Single(h.Logs.WithEventId(2002));
        Assert.Single(h.Logs.WithEventId(2001));
    }

    [Fact]
    public async Task TryEnqueue_QueueFull_DropsCountsAndReportsDroppedSinceLastUntilAccepted()
    {
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["MaxQueueSize"] = "5", ["BatchSize"] = "100" });

        var results = TestEvents.Many(8).Select(h.Queue.TryEnqueue).ToArray();

        Assert.Equal([true, true, true, true, true, false, false, false], results);
        Assert.Equal(3, h.Stats.EventsDroppedQueueFull);
        Assert.Equal(5, h.Stats.QueueLength);
        Assert.Equal(5, h.Stats.EventsEnqueued);

        Assert.True(await h.Client.FlushAsync());
        h.Queue.TryEnqueue(TestEvents.Create("later"));
        Assert.True(await h.Client.FlushAsync());

        var batches = h.Backend.Batches;
        Assert.Equal(2, batches.Count);
        Assert.Equal(3, batches[0]["dropped_since_last"]!.GetValue<long>());
        Assert.Equal(5, batches[0]["events"]!.AsArray().Count);
        Assert.Equal(0, batches[1]["dropped_since_last"]!.GetValue<long>());
    }

    [Fact]
    public async Task FlushAsync_BackendDown_ReturnsFalseOnceShutdownTimeoutPassesWhileTryEnqueueStaysUnaffected()
    {
        var backend = await FakeZespanBackend.StartAsync();
        backend.Intercept = (context, _) =>
        {
            context.Abort(); // the connection drops: a network error on every attempt
            return Task.FromResult(true);
        };
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["MaxQueueSize"] = "10" }, backend: backend);
        h.EnqueueAll(TestEvents.Many(3));

        var flush = h.Client.FlushAsync();
        Assert.False(flush.IsCompleted);

        // The app keeps enqueueing: never blocked, never thrown at; beyond the cap events are dropped and counted.
        var accepted = TestEvents.Many(20, "more").Count(h.Queue.TryEnqueue);
        Assert.InRange(accepted, 7, 10);
        Assert.Equal(20 - accepted, h.Stats.EventsDroppedQueueFull);

        await h.Backend.WaitForRequestsAsync("/v1/ingest", 1);
        await h.Time.WaitForTimerAsync(ExportHost.ShutdownTimeout);
        h.Time.Advance(ExportHost.ShutdownTimeout);
        Assert.False(await flush);
        Assert.NotEmpty(h.Ingests);
        Assert.Empty(h.Backend.Events);
    }

    [Fact]
    public async Task FlushAsync_RetriesRunOut_KeepsTheBatchAndSendsItAgainWithTheSameBatchIdAfterTheBackoff()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        var retryNow = new Dictionary<string, string> { ["Retry-After"] = "0" };
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(503, null, retryNow), count: 4);
        h.EnqueueAll(TestEvents.Many(3));

        Assert.False(await h.Client.FlushAsync());

        Assert.Equal(4, h.Ingests.Count);
        Assert.Equal(3, h.Stats.Retries);
        Assert.Equal(0, h.Stats.EventsDroppedFailedDelivery);
        Assert.Equal(1, h.Stats.ExportFailures);
        Assert.Contains("HTTP 503", Assert.Single(h.Logs.WithEventId(2004)).Message, StringComparison.Ordinal);
        Assert.True(h.Gate.IsDegraded);

        // The next flush waits out the gate's backoff (between 0.5 and 1 s), then sends the kept batch first.
        h.Queue.TryEnqueue(TestEvents.Create("next"));
        var flush = h.Client.FlushAsync();
        var backoff = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= DeliveryGate.BaseBackoff);
        h.Time.Advance(backoff);
        Assert.True(await flush);

        Assert.Equal(["e0", "e1", "e2", "next"], h.AcceptedNames());
        var failedKey = h.Ingests[0].Header("Idempotency-Key");
        Assert.Equal(failedKey, h.Backend.Batches[0]["batch_id"]!.GetValue<string>());
        Assert.Equal(h.Ingests[0].RawBody, h.Ingests[4].RawBody);
        Assert.All(h.Backend.Batches, b => Assert.Equal(0, b["dropped_since_last"]!.GetValue<long>()));
        Assert.False(h.Gate.IsDegraded);
    }

    [Fact]
    public async Task FlushAsync_CircuitOpen_SendsNothingKeepsEveryBatchAndDeliversAllOnceItCloses()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        var retryNow = new Dictionary<string, string> { ["Retry-After"] = "0" };
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(503, null, retryNow), count: 50);

        h.Queue.TryEnqueue(TestEvents.Create("a"));
        Assert.False(await h.Client.FlushAsync()); // 4 failed attempts

        h.Queue.TryEnqueue(TestEvents.Create("b"));
        await FlushAfterBackoffAsync(h, expected: false); // the 5th opens the circuit; the retry is refused
        Assert.Equal(5, h.Ingests.Count);

        h.Queue.TryEnqueue(TestEvents.Create("c"));
        await FlushAfterBackoffAsync(h, expected: false); // the circuit is open: no request at all

        Assert.Equal(5, h.Ingests.Count);
        Assert.Equal(0, h.Stats.EventsDroppedFailedDelivery + h.Stats.EventsDroppedRejected);
        Assert.Contains(h.Logs.WithEventId(2004), l => l.Message.Contains("circuit open", StringComparison.Ordinal));

        // The circuit closes after 30 s; the backend answers again: every event goes, oldest first, once.
        h.Backend.ClearCanned();
        h.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(await h.Client.FlushAsync());
        Assert.Equal(["a", "b", "c"], h.AcceptedNames());
    }

    [Fact]
    public async Task Loop_AfterAFailedDelivery_TriesOnlyOnTheIntervalAndStopsAtTheFirstFailure()
    {
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "2" });
        using var ticks = new TickSignal(h.Worker);
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(503, null, new Dictionary<string, string> { ["Retry-After"] = "0" }), count: 50);

        h.EnqueueAll(TestEvents.Many(2, "first"));
        await h.Backend.WaitForRequestsAsync("/v1/ingest", 4);
        await h.Worker.WaitForExportIdleAsync(); // the loop's export has ended
        Assert.True(h.Gate.IsDegraded);

        // Degraded: whole batches waiting no longer wake the loop; the interval tries the kept batch first, fails, stops.
        h.EnqueueAll(TestEvents.Many(4, "second"));
        h.Time.Advance(ExportHost.FlushInterval);
        await ticks.WaitForTicksAsync(1);

        Assert.Equal(8, h.Ingests.Count); // the kept batch, four attempts (the hour moved the first failures out of the circuit's window)
        Assert.Equal(4, h.Stats.QueueLength);
        Assert.Equal(0, h.Stats.EventsDroppedFailedDelivery);
        Assert.Equal(1, h.Worker.Backlog.MemoryCount);

        // Once the backend answers again, the next interval sends everything, oldest first, and leaves degraded mode.
        h.Backend.ClearCanned();
        h.Time.Advance(ExportHost.FlushInterval);
        await ticks.WaitForTicksAsync(2);
        Assert.Equal(["first0", "first1", "second0", "second1", "second2", "second3"], h.AcceptedNames());
        Assert.False(h.Gate.IsDegraded);
    }

    private static async Task FlushAfterBackoffAsync(ZespanTestHost h, bool expected)
    {
        var flush = h.Client.FlushAsync();
        var backoff = await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= DeliveryGate.MaxBackoff);
        h.Time.Advance(backoff);
        Assert.Equal(expected, await flush);
    }
}
