using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tests.Providers;
using Zespan.Testing;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Diagnostics;

public class ZespanHealthCheckTests
{
    private static async Task<HealthReport> CheckAsync(IServiceProvider services) =>
        await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    private static async Task<(IHost Host, FakeZespanBackend Backend)> StartAsync(HealthStatus? failureStatus = null, Action<ZespanOptions>? configure = null)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.ShutdownTimeout = TimeSpan.FromSeconds(3);
            configure?.Invoke(o);
        });
        builder.Services.AddHealthChecks().AddZespan(failureStatus: failureStatus);
        var host = builder.Build();
        await host.StartAsync();
        return (host, backend);
    }

    [Fact]
    public async Task Check_ExportsFlowing_IsHealthyWithData()
    {
        var (host, backend) = await StartAsync();
        await using var _ = backend;
        using var __ = host;
        host.Services.GetRequiredService<IZespanTracer>().StartSpan("ok").Dispose();
        Assert.True(await host.Services.GetRequiredService<IZespanClient>().FlushAsync());

        var report = await CheckAsync(host.Services);

        var entry = report.Entries["zespan"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0, entry.Data["backlog"]);
        Assert.NotEqual("never", entry.Data["last_success"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task Check_BackendFailing_IsDegradedNotUnhealthy()
    {
        var (host, backend) = await StartAsync();
        await using var _ = backend;
        using var __ = host;
        backend.FailNext("/v1/ingest", 100, HttpStatusCode.InternalServerError);
        host.Services.GetRequiredService<IZespanTracer>().StartSpan("fails").Dispose();
        Assert.False(await host.Services.GetRequiredService<IZespanClient>().FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token));

        var report = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Degraded, report.Entries["zespan"].Status);
        Assert.Contains("failing", report.Entries["zespan"].Description, StringComparison.Ordinal);
        backend.ClearCanned();
    }

    [Fact]
    public async Task Check_KeyRejected_UsesChosenFailureStatus()
    {
        var (host, backend) = await StartAsync(HealthStatus.Unhealthy, o => o.ApiKey = "zsp_rejected_key");
        await using var _ = backend;
        using var __ = host;
        host.Services.GetRequiredService<IZespanTracer>().StartSpan("rejected").Dispose();
        await host.Services.GetRequiredService<IZespanClient>().FlushAsync();

        var report = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Unhealthy, report.Entries["zespan"].Status);
        Assert.Contains("rejected the API key", report.Entries["zespan"].Description, StringComparison.Ordinal);
        Assert.DoesNotContain("zsp_rejected_key", report.Entries["zespan"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_QueueMoreThanHalfFull_IsDegraded()
    {
        var (host, backend) = await StartAsync(configure: o => { o.MaxQueueSize = 4; o.BatchSize = 100; });
        await using var _ = backend;
        using var __ = host;
        backend.Enqueue("/v1/ingest", new CannedResponse(202, "{}", Delay: TimeSpan.FromSeconds(30)), 1);
        var queue = host.Services.GetRequiredService<IZespanEventQueue>();
        for (var i = 0; i < 3; i++)
        {
            queue.TryEnqueue(new Zespan.Extensions.Events.Internal.ZespanEvent { Name = "x" + i });
        }

        var report = await CheckAsync(host.Services);

        Assert.Equal(HealthStatus.Degraded, report.Entries["zespan"].Status);
        Assert.Contains("more than half full", report.Entries["zespan"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BatchesKeptInMemory_ReportsThemInItsData()
    {
        var (host, backend) = await StartAsync(configure: o => o.ApiKey = "zsp_rejected_key");
        await using var _ = backend;
        using var __ = host;
        var tracer = host.Services.GetRequiredService<IZespanTracer>();
        for (var i = 0; i < 3; i++)
        {
            tracer.StartSpan("kept" + i).Dispose();
        }

        Assert.False(await host.Services.GetRequiredService<IZespanClient>().FlushAsync()); // 401: the batch is kept

        var data = (await CheckAsync(host.Services)).Entries["zespan"].Data;

        Assert.Equal(1, data["kept_batches"]);
        Assert.Equal(3, data["kept_events"]);
        Assert.Equal(0, data["offline_batches"]);
        Assert.Equal(0, data["backlog"]);
        Assert.True((long)data["held_bytes"] > 0);
        Assert.Equal(67_108_864L, data["max_queue_bytes"]);
    }

    [Fact]
    public async Task Check_BatchesKeptInOfflineStorage_ReportsThemInItsData()
    {
        var directory = Path.Combine(Path.GetTempPath(), "zespan-health-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (host, backend) = await StartAsync(configure: o =>
            {
                o.ApiKey = "zsp_rejected_key";
                o.OfflineStorageDirectory = directory;
                o.BatchSize = 2;
            });
            await using var _ = backend;
            using var __ = host;
            var tracer = host.Services.GetRequiredService<IZespanTracer>();
            for (var i = 0; i < 5; i++)
            {
                tracer.StartSpan("stored" + i).Dispose();
            }

            Assert.False(await host.Services.GetRequiredService<IZespanClient>().FlushAsync()); // 401: all of it goes to disk

            var data = (await CheckAsync(host.Services)).Entries["zespan"].Data;

            Assert.Equal(Directory.GetFiles(directory, "*.zsb").Length, data["offline_batches"]);
            Assert.Equal(3, data["offline_batches"]);
            Assert.Equal(0, data["kept_batches"]);
            Assert.Equal(0, data["kept_events"]);
            Assert.Equal(0L, data["held_bytes"]);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task PipelineMetrics_AreObservedFromStatistics()
    {
        var (host, backend) = await StartAsync();
        await using var _ = backend;
        using var __ = host;
        host.Services.GetRequiredService<IZespanTracer>().StartSpan("metered").Dispose();
        Assert.True(await host.Services.GetRequiredService<IZespanClient>().FlushAsync());
        var stats = host.Services.GetRequiredService<ExportStatistics>();
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Zespan" && instrument.Name.StartsWith("zespan.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) =>
        {
            lock (seen)
            {
                seen[i.Name] = seen.GetValueOrDefault(i.Name) + v;
            }
        });
        listener.Start();

        listener.RecordObservableInstruments();

        // Several hosts may run in parallel: each has its own meter, so at least this host's counts show.
        Assert.True(seen["zespan.events.exported"] >= stats.EventsExported);
        Assert.True(seen["zespan.events.queued"] >= 1);
        Assert.Contains("zespan.events.dropped", seen.Keys);
        Assert.Contains("zespan.queue.length", seen.Keys);
        Assert.Contains("zespan.export.failures", seen.Keys);
        Assert.Contains("zespan.export.retries", seen.Keys);
    }
}
