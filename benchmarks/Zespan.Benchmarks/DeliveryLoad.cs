using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Extensions;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Benchmarks;

/// <summary>
/// A bounded load run of the delivery figures (not BenchmarkDotNet: they take minutes of wall time):
/// events per second through the worker to a loopback backend; working set through an outage at 100 calls/s with
/// 200 KB prompts, with and without offline storage; the time to drain 10,000 stored events after recovery; and the
/// caller's cost of a call with offline storage on and off while the backend is down.
/// Run: <c>dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- delivery [--outage-seconds 300] [--usage-reported] [--offline-only]</c>.
/// <c>--usage-reported</c> gives the outage calls token counts (as a provider that reports usage does), so the export
/// thread does not estimate the tokens of each 200 KB prompt; <c>--offline-only</c> runs only the outage with offline storage.
/// </summary>
internal static class DeliveryLoad
{
    private const string ApiKey = "zsp_load_0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var outageSeconds = 300;
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--outage-seconds")
            {
                outageSeconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
        }

        var usageReported = args.Contains("--usage-reported");
        var offlineOnly = args.Contains("--offline-only");

        var backend = await LoadBackend.StartAsync().ConfigureAwait(false);
        try
        {
            Console.WriteLine($"date {DateTimeOffset.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average {LoadAverage()}");
            if (!offlineOnly)
            {
                await ThroughputAsync(backend).ConfigureAwait(false);
                await CallerCostAsync(backend).ConfigureAwait(false);
                await DrainStoredAsync(backend).ConfigureAwait(false);
                await OutageAsync(backend, outageSeconds, offline: false, usageReported).ConfigureAwait(false);
            }

            await OutageAsync(backend, outageSeconds, offline: true, usageReported).ConfigureAwait(false);
        }
        finally
        {
            await backend.DisposeAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static ServiceProvider Build(LoadBackend backend, string? offlineDirectory, Action<ZespanOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddZespan(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.OfflineStorageDirectory = offlineDirectory;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static async Task ThroughputAsync(LoadBackend backend)
    {
        backend.Reset(outage: false);
        await using var provider = Build(backend, null, o => o.BatchSize = 100);
        var tracer = provider.GetRequiredService<IZespanTracer>();
        var client = provider.GetRequiredService<IZespanClient>();
        Log(tracer, 200, 2_000); // warm-up
        await client.FlushAsync().ConfigureAwait(false);
        var before = backend.Events;
        var watch = Stopwatch.StartNew();
        for (var chunk = 0; chunk < 10; chunk++)
        {
            // Within MaxQueueSize: nothing is dropped, so this measures the worker, not the queue's cap.
            Log(tracer, 1300, 5_000);
            await client.FlushAsync().ConfigureAwait(false);
        }

        watch.Stop();
        Console.WriteLine($"throughput: {backend.Events - before} events (~1.3 KB prompts) in {watch.Elapsed.TotalSeconds:F2} s = {(backend.Events - before) / watch.Elapsed.TotalSeconds:F0} events/s");
    }

    private static async Task CallerCostAsync(LoadBackend backend)
    {
        foreach (var offline in new[] { false, true })
        {
            backend.Reset(outage: true);
            var directory = offline ? NewDirectory() : null;
            await using (var provider = Build(backend, directory, o => o.MaxQueueSize = 1_000_000))
            {
                var tracer = provider.GetRequiredService<IZespanTracer>();
                var client = provider.GetRequiredService<IZespanClient>();
                Log(tracer, 200, 2_000); // warm-up; the first failure puts the export in degraded mode
                await client.FlushAsync().ConfigureAwait(false);
                var rounds = new List<double>();
                for (var round = 0; round < 9; round++)
                {
                    // 4,000 events of ~1 KB: well within MaxQueueBytes, so every call is admitted in both runs.
                    var watch = Stopwatch.StartNew();
                    Log(tracer, 200, 4_000);
                    watch.Stop();
                    rounds.Add(watch.Elapsed.TotalNanoseconds / 4_000);
                    await Task.Delay(2500).ConfigureAwait(false); // the export thread stores what waits (offline) between rounds
                }

                rounds.Sort();
                var stats = provider.GetRequiredService<ExportStatistics>();
                Console.WriteLine($"caller's path, backend down, offline storage {(offline ? "on " : "off")}: LogGeneration median {rounds[rounds.Count / 2]:F0} ns per call (min {rounds[0]:F0}, 9 rounds of 4,000); dropped {(Drops(stats) is { Length: > 0 } d ? d : "none")}; stored {stats.BatchesStored} batches");
            }

            Delete(directory);
        }
    }

    private static async Task DrainStoredAsync(LoadBackend backend)
    {
        var directory = NewDirectory();
        backend.Reset(outage: true);
        await using (var provider = Build(backend, directory, o => o.ShutdownTimeout = TimeSpan.FromSeconds(30)))
        {
            Log(provider.GetRequiredService<IZespanTracer>(), 1300, 10_000);
            var worker = provider.GetRequiredService<ExportWorker>();
            await provider.GetRequiredService<IZespanClient>().FlushAsync().ConfigureAwait(false);
            await worker.StopAsync(CancellationToken.None).ConfigureAwait(false); // the rest goes to disk
        }

        var stored = Directory.GetFiles(directory, "*.zsb");
        Console.WriteLine($"stored: {stored.Length} batch files, {stored.Sum(f => new FileInfo(f).Length) / 1024} KiB for 10,000 events");
        backend.Reset(outage: false);
        var watch = Stopwatch.StartNew();
        await using (var provider = Build(backend, directory))
        {
            provider.GetRequiredService<ExportWorker>().Start();
            while (backend.Events < 10_000 && watch.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(5).ConfigureAwait(false);
            }

            watch.Stop();
            Console.WriteLine($"drain after recovery: {backend.Events} stored events delivered in {watch.Elapsed.TotalSeconds:F2} s ({backend.Duplicates} repeated batch ids)");
        }

        Delete(directory);
    }

    private static async Task OutageAsync(LoadBackend backend, int seconds, bool offline, bool usageReported)
    {
        var directory = offline ? NewDirectory() : null;
        backend.Reset(outage: true);
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        long peak = 0;
        long calls = 0;
        await using (var provider = Build(backend, directory))
        {
            var tracer = provider.GetRequiredService<IZespanTracer>();
            var stats = provider.GetRequiredService<ExportStatistics>();
            var prompt = new string('p', 200 * 1024);
            var watch = Stopwatch.StartNew();
            var nextSample = TimeSpan.Zero;
            TimeSpan? firstDrop = null;
            var lastDrop = TimeSpan.Zero;
            long droppedSeen = 0;
            while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                // 100 calls/s, each with its own 200 KB prompt (a copy, as a real app would hold).
                var due = (long)(watch.Elapsed.TotalSeconds * 100);
                while (calls < due)
                {
                    tracer.LogGeneration(new GenerationLog
                    {
                        Model = "gpt-4o",
                        Provider = "openai",
                        PromptMessages = [new LlmMessage("user", string.Concat(prompt, calls.ToString(CultureInfo.InvariantCulture)))],
                        CompletionMessage = new LlmMessage("assistant", "ok"),
                        PromptTokens = usageReported ? 51_200 : null,
                        CompletionTokens = usageReported ? 1 : null,
                    });
                    calls++;
                }

                if (watch.Elapsed >= nextSample)
                {
                    process.Refresh();
                    peak = Math.Max(peak, process.WorkingSet64);
                    nextSample += TimeSpan.FromSeconds(1);
                    var dropped = stats.Dropped(DropReason.MemoryBudget);
                    if (dropped > droppedSeen)
                    {
                        // When the refusals happened (to tell a start-up gap from a sustained shortfall).
                        firstDrop ??= watch.Elapsed;
                        lastDrop = watch.Elapsed;
                        droppedSeen = dropped;
                    }
                }

                await Task.Delay(10).ConfigureAwait(false);
            }

            process.Refresh();
            var end = process.WorkingSet64;
            var label = (offline ? "with offline storage" : "memory only         ") + (usageReported ? ", usage reported" : ", usage estimated");
            Console.WriteLine(
                $"outage {seconds} s, {label}: {calls} calls; working set {baseline / 1048576} MiB before, peak {peak / 1048576} MiB, {end / 1048576} MiB at the end; " +
                $"held {stats.HeldBytes / 1048576} MiB (peak {stats.PeakHeldBytes / 1048576} MiB of 64); dropped {(Drops(stats) is { Length: > 0 } d ? d : "none")}; stored {stats.BatchesStored} batches; load average {LoadAverage()}" +
                (firstDrop is { } first ? $"; memory_budget refusals seen from {first.TotalSeconds:F0} s to {lastDrop.TotalSeconds:F0} s" : string.Empty));

            // Recovery: everything kept is sent.
            backend.Reset(outage: false);
            var recovery = Stopwatch.StartNew();
            var client = provider.GetRequiredService<IZespanClient>();
            while (!await client.FlushAsync().ConfigureAwait(false) && recovery.Elapsed < TimeSpan.FromMinutes(3))
            {
            }

            Console.WriteLine($"  after recovery: {backend.Events} events delivered in {recovery.Elapsed.TotalSeconds:F1} s ({backend.Duplicates} repeated batch ids); dropped {(Drops(stats) is { Length: > 0 } after ? after : "none")}");
        }

        Delete(directory);
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to tell whether other work shared the machine.</summary>
    private static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(" ", fields.Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static string Drops(ExportStatistics stats) => string.Join(", ", DropReasons.All.Where(r => stats.Dropped(r) > 0).Select(r => $"{DropReasons.Name(r)} {stats.Dropped(r)}"));

    private static void Log(IZespanTracer tracer, int promptChars, int count)
    {
        var prompt = new string('x', promptChars);
        for (var i = 0; i < count; i++)
        {
            tracer.LogGeneration(new GenerationLog
            {
                Model = "gpt-4o",
                Provider = "openai",
                PromptMessages = [new LlmMessage("user", prompt)],
                CompletionMessage = new LlmMessage("assistant", "ok"),
                PromptTokens = 10,
                CompletionTokens = 2,
            });
        }
    }

    private static string NewDirectory() => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "zespan-load-" + Guid.NewGuid().ToString("N"))).FullName;

    private static void Delete(string? directory)
    {
        if (directory is not null && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A loopback ingest endpoint that counts the events it accepts once per batch id, or answers 503 during an outage.</summary>
    private sealed class LoadBackend : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, byte> _batches = new();
        private WebApplication _app = null!;
        private volatile bool _outage;
        private long _events;
        private long _duplicates;

        public Uri BaseUrl { get; private set; } = null!;

        public long Events => Interlocked.Read(ref _events);

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public static async Task<LoadBackend> StartAsync()
        {
            var backend = new LoadBackend();
            var (app, url) = await BenchmarkServers.StartAsync(backend.HandleAsync).ConfigureAwait(false);
            backend._app = app;
            backend.BaseUrl = url;
            return backend;
        }

        public void Reset(bool outage)
        {
            _outage = outage;
            if (!outage)
            {
                return;
            }

            _batches.Clear();
            Interlocked.Exchange(ref _events, 0);
            Interlocked.Exchange(ref _duplicates, 0);
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

        private async Task HandleAsync(HttpContext context)
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body).ConfigureAwait(false);
            if (_outage)
            {
                context.Response.StatusCode = 503;
                return;
            }

            body.Position = 0;
            using var gzip = new GZipStream(body, CompressionMode.Decompress);
            using var document = await JsonDocument.ParseAsync(gzip).ConfigureAwait(false);
            var id = document.RootElement.GetProperty("batch_id").GetString()!;
            if (_batches.TryAdd(id, 0))
            {
                Interlocked.Add(ref _events, document.RootElement.GetProperty("events").GetArrayLength());
            }
            else
            {
                Interlocked.Increment(ref _duplicates);
            }

            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("{\"accepted\":1}").ConfigureAwait(false);
        }
    }
}
