using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zespan.Extensions.Export.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// Offline storage (<c>OfflineStorageDirectory</c>) against a real Kestrel backend: batches the backend cannot take are
/// written to disk and sent by the next host, each exactly once; corrupt files, the byte cap, a directory that cannot
/// be written, two hosts on one directory, and a process killed with batches on disk.
/// </summary>
public sealed class OfflineStorageTests : IDisposable
{
    /// <summary>A key the fake backend answers 401 for: sending pauses at once, so batches go to disk without retry delays.</summary>
    private const string RejectedKey = "zsp_rejected_key_0";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "zespan-offline-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task NewHost_AfterAHostDisposedWithoutDrain_SendsEveryStoredEventExactlyOnceBeforeNewerOnes()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var first = await StartAsync(backend, RejectedKey);
        first.EnqueueAll(TestEvents.Many(120, "stored"));
        Assert.False(await first.Client.FlushAsync()); // 401: the batch and everything queued after it go to disk
        Assert.Equal(0, first.Stats.QueueLength);
        Assert.Equal(120, StoredEvents());
        first.Host.Dispose(); // no drain

        var second = await StartAsync(backend, FakeZespanBackend.ValidApiKey, start: false);
        second.EnqueueAll(TestEvents.Many(3, "newer"));
        await second.Host.StartAsync();
        await backend.WaitForEventsAsync(120);
        Assert.True(await second.Client.FlushAsync());

        var names = second.AcceptedNames();
        Assert.Equal(123, names.Count);
        Assert.Equal(TestEvents.Many(120, "stored").Select(e => e.Name), names.Take(120));
        Assert.Equal(["newer0", "newer1", "newer2"], names.Skip(120));
        var accepted = backend.RequestsTo("/v1/ingest").Where(r => r.Header("Authorization") == "Bearer " + FakeZespanBackend.ValidApiKey).ToArray();
        Assert.Equal(accepted.Length, accepted.Select(r => r.Header("Idempotency-Key")).Distinct().Count());
        Assert.Empty(Directory.GetFiles(_directory));
        Assert.Equal(0, DeliveryTests.DroppedTotal(second.Stats));
        second.Host.Dispose();
    }

    [Fact]
    public async Task Dispose_WithoutHostStopWithARequestInFlightAndEventsQueued_WritesThemToDiskAndANewHostSendsEachOnce()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Intercept = async (context, request) =>
        {
            if (request.Path != "/v1/ingest")
            {
                return false;
            }

            // The backend hangs: the request stays in flight until the client gives up on it.
            arrived.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return true;
        };
        var first = await StartAsync(backend, FakeZespanBackend.ValidApiKey, new() { ["BatchSize"] = "10" });
        first.EnqueueAll(TestEvents.Many(10, "inflight"));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        first.EnqueueAll(TestEvents.Many(25, "queued"));
        var stats = first.Stats;

        first.Host.Dispose(); // no host stop, no drain: what is in memory goes to disk instead of being lost

        Assert.Equal(0, stats.Dropped(DropReason.Shutdown));
        Assert.Equal(0, DeliveryTests.DroppedTotal(stats));
        Assert.Equal(0, stats.HeldBytes);
        Assert.Equal(35, StoredEvents());
        Assert.Empty(first.Backend.Events);

        backend.Intercept = null;
        var second = await StartAsync(backend, FakeZespanBackend.ValidApiKey);
        await backend.WaitForEventsAsync(35);
        Assert.True(await second.Client.FlushAsync());
        Assert.Equal(TestEvents.Many(10, "inflight").Concat(TestEvents.Many(25, "queued")).Select(e => e.Name), second.AcceptedNames());
        Assert.Empty(Directory.GetFiles(_directory));
        second.Host.Dispose();
    }

    [Fact]
    public async Task Dispose_WithoutOfflineStorage_CountsWhatIsInMemoryAsShutdown()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var h = await ZespanTestHost.StartExportAsync(new() { ["BatchSize"] = "100", ["Debug"] = "false" }, backend: backend);
        h.EnqueueAll(TestEvents.Many(7, "lost"));
        var stats = h.Stats;

        h.Host.Dispose();

        Assert.Equal(7, stats.Dropped(DropReason.Shutdown));
        Assert.False(Directory.Exists(_directory));
    }

    [Fact]
    public async Task NewHost_StaleClaimOfAProcessThatIsGone_SendsItAgainAndTheBatchIdMakesItHarmless()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var first = await StartAsync(backend, RejectedKey);
        first.EnqueueAll(TestEvents.Many(10, "claimed"));
        Assert.False(await first.Client.FlushAsync());
        first.Host.Dispose();

        // As a process killed between sending a claimed batch and deleting it leaves it.
        var stored = Assert.Single(Directory.GetFiles(_directory, "*.zsb"));
        File.Move(stored, stored + "." + DeadPid().ToString(CultureInfo.InvariantCulture) + "-1764000000000.0123456789ab.claim");

        var second = await StartAsync(backend, FakeZespanBackend.ValidApiKey);
        await backend.WaitForEventsAsync(10);
        Assert.True(await second.Client.FlushAsync()); // the pass that sent it has ended

        Assert.Equal(TestEvents.Many(10, "claimed").Select(e => e.Name), second.AcceptedNames());
        Assert.Empty(Directory.GetFiles(_directory));
        second.Host.Dispose();
    }

    [Fact]
    public async Task NewHost_CorruptAndTruncatedFiles_AreSkippedCountedRemovedAndTheRestIsSent()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var first = await StartAsync(backend, RejectedKey, new() { ["BatchSize"] = "5" });
        first.EnqueueAll(TestEvents.Many(15, "kept"));
        Assert.False(await first.Client.FlushAsync());
        first.Host.Dispose();
        var files = Directory.GetFiles(_directory, "*.zsb").Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 3, $"{files.Length} files");
        var lost = EventsIn(files[0]) + EventsIn(files[1]);

        // The oldest file truncated, the next damaged in its body, and a stray file that is no batch at all.
        var bytes = File.ReadAllBytes(files[0]);
        File.WriteAllBytes(files[0], bytes[..(bytes.Length / 2)]);
        bytes = File.ReadAllBytes(files[1]);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(files[1], bytes);
        File.WriteAllText(Path.Combine(_directory, "0000000000001-0000000001-7-" + Guid.NewGuid().ToString("N") + ".zsb"), "not a batch");

        var second = await StartAsync(backend, FakeZespanBackend.ValidApiKey);
        await backend.WaitForEventsAsync(15 - lost);
        Assert.True(await second.Client.FlushAsync());

        Assert.Equal(TestEvents.Many(15, "kept").Skip(lost).Select(e => e.Name), second.AcceptedNames());
        Assert.Equal(3, second.Stats.StoredFilesCorrupt);
        Assert.Equal(lost + 7, second.Stats.Dropped(DropReason.OfflineCorrupt));
        Assert.Equal(3, second.Logs.WithEventId(ZespanLogEvents.OfflineBatchCorrupt).Count);
        Assert.Empty(Directory.GetFiles(_directory));

        // The losses are reported to the backend.
        second.Queue.TryEnqueue(TestEvents.Create("after"));
        Assert.True(await second.Client.FlushAsync());
        Assert.Equal(lost + 7, backend.Batches.Sum(b => b["dropped_since_last"]!.GetValue<long>()));
        second.Host.Dispose();
    }

    [Fact]
    public async Task Store_FullCap_RemovesTheOldestBatchesFirstCountsThemAndNeverExceedsTheCap()
    {
        const long cap = 1_048_576;
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var h = await StartAsync(backend, RejectedKey, new() { ["BatchSize"] = "1", ["MaxOfflineStorageBytes"] = cap.ToString(CultureInfo.InvariantCulture) });

        // Incompressible events of ~200 KB: each stored batch takes about as much on disk.
        for (var i = 0; i < 12; i++)
        {
            var e = TestEvents.Create("noise" + i.ToString(CultureInfo.InvariantCulture));
            e.Metadata = new() { ["noise"] = Convert.ToBase64String(RandomBytes(150_000)) };
            Assert.True(h.Queue.TryEnqueue(e));
            Assert.False(await h.Client.FlushAsync());
            Assert.InRange(DirectoryBytes(), 0, cap);
        }

        var dropped = h.Stats.Dropped(DropReason.OfflineFull);
        Assert.InRange(dropped, 4, 11);
        Assert.Equal(12 - dropped, StoredEvents());
        Assert.NotEmpty(h.Logs.WithEventId(ZespanLogEvents.OfflineStorageFull));

        // The newest survive: the oldest went first.
        h.Host.Dispose();
        var second = await StartAsync(backend, FakeZespanBackend.ValidApiKey);
        await backend.WaitForEventsAsync((int)(12 - dropped));
        Assert.Equal(Enumerable.Range((int)dropped, (int)(12 - dropped)).Select(i => "noise" + i.ToString(CultureInfo.InvariantCulture)), second.AcceptedNames());
        second.Host.Dispose();
    }

    [Fact]
    public async Task Store_DirectoryThatCannotBeWritten_IsLoggedOnceAndEventsWaitInMemoryUntilDelivered()
    {
        // A file where the directory should be: it cannot be created, whoever runs the test (root included).
        Directory.CreateDirectory(_directory);
        var blocker = Path.Combine(_directory, "a-file");
        File.WriteAllText(blocker, "in the way");
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var h = await StartAsync(backend, RejectedKey, new() { ["OfflineStorageDirectory"] = Path.Combine(blocker, "zespan"), ["BatchSize"] = "5" });

        h.EnqueueAll(TestEvents.Many(10, "memory"));
        Assert.False(await h.Client.FlushAsync());
        h.EnqueueAll(TestEvents.Many(5, "later"));
        Assert.False(await h.Client.FlushAsync());

        var log = Assert.Single(h.Logs.WithEventId(ZespanLogEvents.OfflineStorageUnavailable));
        Assert.Contains("a-file", log.Message, StringComparison.Ordinal);
        Assert.Equal(0, DeliveryTests.DroppedTotal(h.Stats));

        // In memory all along: a new key sends everything.
        // The backend accepts the new key before the app switches to it, so the first send with it cannot be refused.
        h.Backend.AcceptedKeys.Add(RejectedKey + "x");
        h.Reload("ApiKey", RejectedKey + "x");
        await backend.WaitForEventsAsync(15);
        Assert.Equal(TestEvents.Many(10, "memory").Concat(TestEvents.Many(5, "later")).Select(e => e.Name), h.AcceptedNames());
        h.Host.Dispose();
    }

    [Fact]
    public async Task TwoHosts_OnOneDirectory_NeverSendTheSameFileTwice()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        var writer = await StartAsync(backend, RejectedKey, new() { ["BatchSize"] = "2" });
        writer.EnqueueAll(TestEvents.Many(80, "shared"));
        Assert.False(await writer.Client.FlushAsync());
        writer.Host.Dispose();
        Assert.Equal(40, Directory.GetFiles(_directory, "*.zsb").Length);

        var a = await StartAsync(backend, FakeZespanBackend.ValidApiKey, start: false);
        var b = await StartAsync(backend, FakeZespanBackend.ValidApiKey, start: false);
        await Task.WhenAll(a.Host.StartAsync(), b.Host.StartAsync());
        await backend.WaitForEventsAsync(80);
        Assert.True(await a.Client.FlushAsync());
        Assert.True(await b.Client.FlushAsync());

        var sent = backend.RequestsTo("/v1/ingest").Where(r => r.Header("Authorization") == "Bearer " + FakeZespanBackend.ValidApiKey).ToArray();
        Assert.Equal(40, sent.Length);
        Assert.Equal(40, sent.Select(r => r.Header("Idempotency-Key")).Distinct().Count());
        Assert.Equal(80, backend.Events.Count);
        Assert.Equal(80, backend.Events.Select(e => e["name"]!.GetValue<string>()).Distinct().Count());
        Assert.Empty(Directory.GetFiles(_directory));
        a.Host.Dispose();
        b.Host.Dispose();
    }

    [Fact]
    public async Task NewHost_AfterTheProcessWasKilledWithBatchesOnDisk_SendsEveryEventExactlyOnce()
    {
        var backend = await FakeZespanBackend.StartAsync();
        await using var _ = backend;
        const int count = 60;

        using (var child = OfflineChild.Start(_directory, backend.BaseUrl, RejectedKey, count))
        {
            var ready = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal("stored " + count.ToString(CultureInfo.InvariantCulture), ready);
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(count, StoredEvents());
        var h = await StartAsync(backend, FakeZespanBackend.ValidApiKey);
        await backend.WaitForEventsAsync(count);
        Assert.True(await h.Client.FlushAsync());

        Assert.Equal(Enumerable.Range(0, count).Select(i => "child" + i.ToString(CultureInfo.InvariantCulture)), h.AcceptedNames());
        var sent = backend.RequestsTo("/v1/ingest").Where(r => r.Header("Authorization") == "Bearer " + FakeZespanBackend.ValidApiKey).ToArray();
        Assert.Equal(sent.Length, sent.Select(r => r.Header("Idempotency-Key")).Distinct().Count());
        Assert.Empty(Directory.GetFiles(_directory));
        h.Host.Dispose();
    }

    private async Task<ZespanTestHost> StartAsync(FakeZespanBackend backend, string apiKey, Dictionary<string, string?>? settings = null, bool start = true)
    {
        var values = new Dictionary<string, string?> { ["OfflineStorageDirectory"] = _directory, ["ApiKey"] = apiKey, ["Debug"] = "false" };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        return await ZespanTestHost.StartExportAsync(values, backend: backend, startHost: start);
    }

    private static int EventsIn(string file) => int.Parse(Path.GetFileName(file).Split('-')[2], CultureInfo.InvariantCulture);

    private int StoredEvents() => Directory.GetFiles(_directory, "*.zsb").Sum(EventsIn);

    private long DirectoryBytes() => Directory.GetFiles(_directory).Sum(f => new FileInfo(f).Length);

    /// <summary>The pid of a process that has exited.</summary>
    private static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", "--version") { RedirectStandardOutput = true })!;
        process.WaitForExit();
        return process.Id;
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}

/// <summary>
/// The child process of the kill test: <c>dotnet Zespan.Extensions.Tests.dll offline-child DIR URL KEY COUNT</c> queues
/// COUNT events with a key the backend rejects (so they go to offline storage at once), prints <c>stored COUNT</c> and
/// waits to be killed.
/// </summary>
internal static class OfflineChild
{
    public const string Verb = "offline-child";

    public static Process Start(string directory, Uri baseUrl, string apiKey, int count)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { typeof(OfflineChild).Assembly.Location, Verb, directory, baseUrl.ToString(), apiKey, count.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var (directory, baseUrl, apiKey, count) = (args[1], new Uri(args[2]), args[3], int.Parse(args[4], CultureInfo.InvariantCulture));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddZespan(o =>
        {
            o.ApiKey = apiKey;
            o.BaseUrl = baseUrl;
            o.DisableConfigSync = true;
            o.OfflineStorageDirectory = directory;
            o.FlushInterval = TimeSpan.FromHours(1);
        });
        var provider = services.BuildServiceProvider();
        var queue = provider.GetRequiredService<IZespanEventQueue>();
        foreach (var e in TestEvents.Many(count, "child"))
        {
            queue.TryEnqueue(e);
        }

        await provider.GetRequiredService<IZespanClient>().FlushAsync();
        var stored = Directory.GetFiles(directory, "*.zsb").Sum(f => int.Parse(Path.GetFileName(f).Split('-')[2], CultureInfo.InvariantCulture));
        Console.WriteLine("stored " + stored.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
