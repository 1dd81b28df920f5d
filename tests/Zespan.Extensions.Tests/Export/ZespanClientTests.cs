using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

public class ZespanClientTests
{
    [Fact]
    public async Task FlushAsync_ManyThreadsAtOnce_EachSeesItsEventsDeliveredNothingLostNothingDuplicated()
    {
        const int threads = 8;
        const int perThread = 40;
        await using var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "7" });
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
        await using var h = await ZespanTestHost.StartExportAsync();

        Assert.True(await h.Client.FlushAsync());

        Assert.Empty(h.Ingests);
    }

    [Fact]
    public async Task RefreshConfigAsync_BackendFailing_FetchesAtOnceEveryTimeAndNeverThrows()
    {
        await using var h = await ZespanTestHost.StartExportAsync(startHost: false);
        h.Backend.FailNext("/v1/config", 2, HttpStatusCode.InternalServerError);

        await h.Client.RefreshConfigAsync();
        await h.Client.RefreshConfigAsync(); // within the failure's backoff: forced anyway

        Assert.Equal(2, h.Backend.RequestsTo("/v1/config").Count);
        Assert.Null(h.Services.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.RemoteConfigVersion);
        Assert.Equal(2, h.Services.GetRequiredService<RemoteConfigPoller>().ConsecutiveFailures);
        Assert.Equal(0, h.Stats.InternalErrors);
    }

    [Fact]
    public async Task AddZespan_EnabledFalse_EveryServiceIsANoOpAndNothingIsSent()
    {
        await using var h = await ZespanTestHost.StartExportAsync(
            new() { ["Enabled"] = "false", ["ApiKey"] = null, ["BatchSize"] = "1" });

        Assert.IsType<DisabledZespanExport>(h.Client);
        Assert.IsType<DisabledZespanExport>(h.Queue);
        Assert.False(h.Queue.TryEnqueue(TestEvents.Create()));
        Assert.True(await h.Client.FlushAsync());
        await h.Client.RefreshConfigAsync();
        await h.Host.StopAsync();

        Assert.Empty(h.Backend.Requests);
        Assert.Null(Assert.Single(h.Services.GetServices<IHostedService>().OfType<RemoteConfigPollingService>()).ExecuteTask);
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
        Assert.Single(provider.GetServices<IHostedService>().OfType<RemoteConfigPollingService>());
        var worker = provider.GetRequiredService<ExportWorker>();
        Assert.Same(worker, Assert.IsType<ZespanClient>(Assert.Single(provider.GetServices<IZespanClient>())).Worker);
        Assert.Same(worker.Queue, Assert.Single(provider.GetServices<IZespanEventQueue>()));
        Assert.IsType<IngestExporter>(Assert.Single(provider.GetServices<IZespanExporter>()));
    }
}
