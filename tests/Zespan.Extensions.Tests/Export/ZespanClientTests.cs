using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Tests.Export;

public class ZespanClientTests
{
    [Fact]
    public async Task FlushAsync_ManyThreadsAtOnce_EachSeesItsEventsDeliveredNothingLostNothingDuplicated()
    {
        const int threads = 8;
        const int perThread = 40;
        await using var h = await ExportHarness.StartAsync(new() { ["BatchSize"] = "7" });
        using var start = new ManualResetEventSlim();

        var workers = Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
        {
            start.Wait();
            var failures = new List<string>();
            for (var i = 0; i < perThread; i++)
            {
                Assert.True(h.Queue.TryEnqueue(TestEvents.Create($"t{t}-{i}", promptChars: 20)));
                if (i % 8 == 7 || i == perThread - 1)
                {
                    if (!await h.Client.FlushAsync())
                    {
                        failures.Add($"flush after t{t}-{i} returned false");
                    }

                    // Everything this thread queued before the call is accepted by now.
                    var accepted = h.AcceptedNames().ToHashSet();
                    for (var j = 0; j <= i; j++)
                    {
                        if (!accepted.Contains($"t{t}-{j}"))
                        {
                            failures.Add($"t{t}-{j} missing after a successful flush");
                        }
                    }
                }
            }

            return failures;
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(workers);

        Assert.Empty(results.SelectMany(f => f));
        var names = h.AcceptedNames();
        Assert.Equal(threads * perThread, names.Count);
        Assert.Equal(threads * perThread, names.Distinct().Count());

        // No batch went out twice: every request carried a batch id of its own.
        var keys = h.Ingests.Select(r => r.Header("Idempotency-Key")).ToArray();
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(threads * perThread, h.Stats.EventsExported);
    }

    [Fact]
    public async Task FlushAsync_NothingQueued_ReturnsTrueWithoutSending()
    {
        await using var h = await ExportHarness.StartAsync();

        Assert.True(await h.Client.FlushAsync());

        Assert.Empty(h.Ingests);
    }

    [Fact]
    public async Task RefreshConfigAsync_OneParticipantThrows_RunsTheOthersAndNeverThrows()
    {
        var first = new SignalingParticipant(throws: true);
        var second = new SignalingParticipant();
        await using var h = await ExportHarness.StartAsync(
            services: s =>
            {
                s.AddSingleton<IFlushCycleParticipant>(first);
                s.AddSingleton<IFlushCycleParticipant>(second);
            },
            startHost: false);

        await h.Client.RefreshConfigAsync();

        Assert.Equal(1, first.Runs);
        Assert.Equal(1, second.Runs);
        Assert.Equal(1, h.Stats.InternalErrors);
        Assert.Single(h.Logs.WithEventId(2010));
    }

    [Fact]
    public async Task Loop_EachFlushInterval_RunsEveryParticipantOnceEvenWhenOneThrows()
    {
        var throwing = new SignalingParticipant(throws: true);
        var participant = new SignalingParticipant();
        await using var h = await ExportHarness.StartAsync(
            new() { ["FlushInterval"] = "00:00:02" },
            s =>
            {
                s.AddSingleton<IFlushCycleParticipant>(throwing);
                s.AddSingleton<IFlushCycleParticipant>(participant);
            });

        await participant.WaitForRunsAsync(1); // at start
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await participant.WaitForRunsAsync(2);
        h.Queue.TryEnqueue(TestEvents.Create());
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await participant.WaitForRunsAsync(3);
        await h.Backend.WaitForEventsAsync(1);

        Assert.Equal(3, throwing.Runs);
        Assert.Equal(3, h.Stats.InternalErrors);
    }

    [Fact]
    public async Task AddZespan_EnabledFalse_EveryServiceIsANoOpAndNothingIsSent()
    {
        var participant = new SignalingParticipant();
        await using var h = await ExportHarness.StartAsync(
            new() { ["Enabled"] = "false", ["ApiKey"] = null, ["BatchSize"] = "1" },
            s => s.AddSingleton<IFlushCycleParticipant>(participant));

        Assert.IsType<DisabledZespanExport>(h.Client);
        Assert.IsType<DisabledZespanExport>(h.Queue);
        Assert.False(h.Queue.TryEnqueue(TestEvents.Create()));
        Assert.True(await h.Client.FlushAsync());
        await h.Client.RefreshConfigAsync();
        await h.Host.StopAsync();

        Assert.Empty(h.Backend.Requests);
        Assert.Equal(0, participant.Runs);
        Assert.Equal(0, h.Stats.EventsEnqueued);
    }

    [Fact]
    public void AddZespan_Twice_RegistersOneFlusherAndOnePipeline()
    {
        var services = new ServiceCollection();
        services.AddZespan(o => o.ApiKey = "zsp_twice_0001");
        services.AddZespan(o => o.Environment = "twice");
        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IHostedService>().OfType<ZespanExportHostedService>());
        Assert.Same(provider.GetRequiredService<IZespanClient>(), provider.GetRequiredService<IZespanEventQueue>());
        Assert.Same(provider.GetRequiredService<ZespanExportPipeline>(), provider.GetRequiredService<IZespanClient>());
    }
}
