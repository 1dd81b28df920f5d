using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

public class ExportBatchingTests
{
    [Fact]
    public async Task TryEnqueue_BatchSizeReached_SendsOneFullBatchWithoutWaitingForTheInterval()
    {
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "5" });

        h.EnqueueAll(TestEvents.Many(7));
        await h.Backend.WaitForEventsAsync(5);

        var batch = Assert.Single(h.Backend.Batches);
        Assert.Equal(5, batch["events"]!.AsArray().Count);
        Assert.Equal(["e0", "e1", "e2", "e3", "e4"], h.AcceptedNames());

        // The two left over wait for the interval: no whole batch is waiting.
        Assert.Equal(2, h.Stats.QueueLength);
    }

    [Fact]
    public async Task Loop_FlushIntervalElapses_SendsWhatIsWaiting()
    {
        var interval = TimeSpan.FromSeconds(2);
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["FlushInterval"] = "00:00:02" });
        h.EnqueueAll(TestEvents.Many(3));
        Assert.Empty(h.Ingests);

        h.Time.Advance(interval);
        await h.Backend.WaitForEventsAsync(3);
        Assert.True(await h.Client.FlushAsync()); // waits for the loop's export to finish

        Assert.Single(h.Backend.Batches);
        Assert.Equal(3, h.Stats.EventsExported);
        Assert.Equal(0, h.Stats.QueueLength);

        // The timer is periodic: the next interval sends the next events.
        h.EnqueueAll(TestEvents.Many(2, "second"));
        h.Time.Advance(interval);
        await h.Backend.WaitForEventsAsync(5);
        Assert.Equal(2, h.Backend.Batches.Count);
    }

    [Fact]
    public async Task StopAsync_HostStops_DeliversEverythingQueued()
    {
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "10" });
        h.EnqueueAll(TestEvents.Many(25));

        await h.Host.StopAsync();

        Assert.Equal(25, h.Backend.Events.Count);
        Assert.Equal(25, h.AcceptedNames().Distinct().Count());
        Assert.All(h.Backend.Batches, b => Assert.True(b["events"]!.AsArray().Count <= 10));
        Assert.Equal(0, h.Stats.QueueLength);
        Assert.Equal(25, h.Stats.EventsExported);
    }

    [Fact]
    public async Task Export_EventsLargerThanMaxBatchBytesAllows_SplitsBatchesBySizeAndCutsAnOversizedEvent()
    {
        const int maxBatchBytes = 8192;
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["MaxBatchBytes"] = maxBatchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        h.EnqueueAll(TestEvents.Many(10, "mid", promptChars: 1800));
        h.Queue.TryEnqueue(TestEvents.Create("huge", promptChars: 20_000));
        h.EnqueueAll(TestEvents.Many(2, "after", promptChars: 1800));

        Assert.True(await h.Client.FlushAsync());

        Assert.All(h.Ingests, r => Assert.True(r.Body.Length <= maxBatchBytes, $"body of {r.Body.Length} bytes"));
        Assert.True(h.Ingests.Count >= 4, $"{h.Ingests.Count} batches");
        Assert.Equal(13, h.Backend.Events.Count);
        var huge = Assert.Single(h.Backend.Events, e => e["name"]!.GetValue<string>() == "huge");
        Assert.True(huge["truncated"]!.GetValue<bool>());
        Assert.All(h.Backend.Events.Where(e => e["name"]!.GetValue<string>() != "huge"), e => Assert.False(e["truncated"]!.GetValue<bool>()));
        Assert.Equal(0, h.Stats.EventsDroppedRejected);
        Assert.Equal(1, h.Stats.EventsTruncated);
        Assert.Equal(0, h.Backend.Batches.Sum(b => b["dropped_since_last"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Export_EventThatCannotBeCutBelowMaxBatchBytes_IsDroppedCountedAndReportedInTheNextBatch()
    {
        const int maxBatchBytes = 8192;
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["MaxBatchBytes"] = maxBatchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        h.EnqueueAll(TestEvents.Many(2, "mid", promptChars: 1800));
        h.Queue.TryEnqueue(TestEvents.Create(new string('n', 10_000))); // a name is never cut
        h.EnqueueAll(TestEvents.Many(2, "after", promptChars: 1800));

        Assert.True(await h.Client.FlushAsync());

        Assert.Equal(["mid0", "mid1", "after0", "after1"], h.AcceptedNames());
        Assert.Equal(1, h.Stats.Dropped(DropReason.TooLarge));

        // The loss is reported to the backend in a batch after it.
        Assert.Equal(1, h.Backend.Batches.Sum(b => b["dropped_since_last"]!.GetValue<long>()));
        Assert.Equal(0, h.Drops.SinceLastAccepted);
    }

    [Fact]
    public async Task Export_Processors_RunInOrderAndFilterOrDropThrowingOnes()
    {
        await using var h = await ZespanTestHost.StartExportAsync(services: s =>
        {
            s.AddSingleton<IZespanEventProcessor>(new DelegateProcessor(20, e => e.Name != "filtered"));
            s.AddSingleton<IZespanEventProcessor>(new DelegateProcessor(30, e => e.Name == "boom" ? throw new InvalidOperationException("processor bug") : true));
            s.AddSingleton<IZespanEventProcessor>(new DelegateProcessor(10, e =>
            {
                e.Tags!["seen_by"] = "first";
                return true;
            }));
        });
        h.EnqueueAll([TestEvents.Create("kept"), TestEvents.Create("filtered"), TestEvents.Create("boom"), TestEvents.Create("kept-too")]);

        Assert.True(await h.Client.FlushAsync());

        Assert.Equal(["kept", "kept-too"], h.AcceptedNames());
        Assert.All(h.Backend.Events, e => Assert.Equal("first", e["tags"]!["seen_by"]!.GetValue<string>()));
        Assert.Equal(1, h.Stats.EventsFiltered);
        Assert.Equal(1, h.Stats.EventsDroppedRejected);

        // A filtered event is not a loss; the throwing one is, and is reported.
        var batch = Assert.Single(h.Backend.Batches);
        Assert.Equal(1, batch["dropped_since_last"]!.GetValue<long>());
        Assert.Single(h.Logs.WithEventId(2008));
    }

    [Fact]
    public async Task Export_ProcessorsOnExportThread_SeeNoAmbientActivityOrAsyncLocal()
    {
        var local = new AsyncLocal<string?>();
        var seen = new List<(string? Local, System.Diagnostics.Activity? Activity)>();
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "2" }, s =>
            s.AddSingleton<IZespanEventProcessor>(new DelegateProcessor(0, e =>
            {
                lock (seen)
                {
                    seen.Add((local.Value, System.Diagnostics.Activity.Current));
                }

                return true;
            })), startHost: false);

        using var source = new System.Diagnostics.ActivitySource("Zespan.Tests.Export.Ambient");
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using (var request = source.StartActivity("incoming request"))
        {
            Assert.NotNull(request);
            local.Value = "request-scoped";

            // The first enqueue starts the loop (no host started) from inside this "request".
            h.EnqueueAll(TestEvents.Many(2));
            await h.Backend.WaitForEventsAsync(2);
            Assert.True(await h.Client.FlushAsync());
        }

        Assert.Equal(2, seen.Count);
        Assert.All(seen, s =>
        {
            Assert.Null(s.Local);
            Assert.Null(s.Activity);
        });
    }

    [Fact]
    public async Task TryEnqueue_NoHost_StartsTheLoopOnFirstUse()
    {
        await using var backend = await Zespan.Testing.FakeZespanBackend.StartAsync();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new SignalingTimeProvider());
        services.AddZespan(o =>
        {
            o.ApiKey = Zespan.Testing.FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.BatchSize = 3;
        });
        await using var provider = services.BuildServiceProvider();
        var queue = provider.GetRequiredService<IZespanEventQueue>();

        foreach (var e in TestEvents.Many(3))
        {
            Assert.True(queue.TryEnqueue(e));
        }

        await backend.WaitForEventsAsync(3);
        Assert.Single(backend.Batches);
    }

    [Fact]
    public async Task DrainAtProcessExit_NoHostStoppedIt_SendsEverythingSynchronously()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        h.EnqueueAll(TestEvents.Many(4));

        h.Worker.DrainAtProcessExit();

        Assert.Equal(4, h.Backend.Events.Count);
        Assert.Equal(0, h.Stats.QueueLength);
    }

    [Fact]
    public async Task DrainAtProcessExit_HostAlreadyStopped_SendsNothingMore()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        await h.Host.StopAsync();
        h.EnqueueAll(TestEvents.Many(2));

        h.Worker.DrainAtProcessExit();

        Assert.Empty(h.Ingests);
        Assert.Equal(2, h.Stats.QueueLength);
    }

    [Fact]
    public async Task Dispose_WithEventsQueued_DropsAndCountsThemAndRefusesNewOnes()
    {
        await using var h = await ZespanTestHost.StartExportAsync();
        h.EnqueueAll(TestEvents.Many(3));

        await h.Worker.DisposeAsync();

        Assert.False(h.Queue.TryEnqueue(TestEvents.Create()));
        Assert.Equal(3, h.Stats.EventsDroppedFailedDelivery);
        Assert.Equal(0, h.Stats.QueueLength);
        Assert.Empty(h.Ingests);
    }

    internal sealed class DelegateProcessor(int order, Func<ZespanEvent, bool> process) : IZespanEventProcessor
    {
        public int Order => order;

        public bool Process(ZespanEvent item) => process(item);
    }
}
