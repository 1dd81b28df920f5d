using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Backend;

/// <summary>
/// Every answer of the backend is read within its endpoint's limit, counted after decompression: an over-sized or
/// gzip-bombed answer costs at most the limit in memory and is that endpoint's failure.
/// </summary>
public sealed class BoundedResponseTests : IAsyncLifetime
{
    /// <summary>1 GiB of zeros, gzipped (64 concatenated members of 16 MiB): about 1 MB on the wire.</summary>
    private static readonly Lazy<byte[]> Bomb = new(() =>
    {
        using var member = new MemoryStream();
        using (var gzip = new GZipStream(member, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 16; i++)
            {
                gzip.Write(zeros);
            }
        }

        var one = member.ToArray();
        var all = new byte[one.Length * 64];
        for (var i = 0; i < 64; i++)
        {
            one.CopyTo(all, i * one.Length);
        }

        return all;
    });

    /// <summary>Far less than the gigabyte an unbounded read would allocate, far more than other tests in parallel do.</summary>
    private const long AllocationBound = 256L * 1024 * 1024;

    private FakeZespanBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await FakeZespanBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task RefreshAsync_GzipBombAnswer_KeepsTheLastGoodConfigurationLogsAndStaysBounded()
    {
        using var sp = Build();
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        var poller = sp.GetRequiredService<RemoteConfigPoller>();
        _backend.SetConfig(3, """[{"type": "sample_rate", "value": 0.5}]""");
        await poller.RefreshAsync(CancellationToken.None);
        Assert.Equal(3, monitor.CurrentValue.RemoteConfigVersion);

        _backend.SetConfig(4, """[{"type": "sample_rate", "value": 0.25}]""");
        ServeBomb("/v1/config");
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await poller.RefreshAsync(CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.InRange(allocated, 0, AllocationBound);
        Assert.Equal(3, monitor.CurrentValue.RemoteConfigVersion);
        Assert.Equal(0.5, monitor.CurrentValue.SampleRate);
        Assert.Equal(1, poller.ConsecutiveFailures);
        var log = Assert.Single(sp.GetFakeLogCollector().GetSnapshot(), e => e.Id.Id == ZespanLogEvents.BackendResponseTooLarge);
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Contains("Config", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshAsync_PlainAnswerOverTheLimit_IsAFailureAndTheSecondIsLoggedAtDebug()
    {
        using var sp = Build();
        var poller = sp.GetRequiredService<RemoteConfigPoller>();
        var huge = "{\"version\":9,\"rules\":[],\"pad\":\"" + new string('x', ZespanBackendLimits.DocumentResponseBytes) + "\"}";
        _backend.Intercept = async (context, request) =>
        {
            if (request.Path != "/v1/config")
            {
                return false;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(huge);
            return true;
        };

        await poller.RefreshAsync(CancellationToken.None);
        await poller.RefreshAsync(CancellationToken.None);

        Assert.Null(sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.RemoteConfigVersion);
        Assert.Equal(
            [LogLevel.Warning, LogLevel.Debug],
            sp.GetFakeLogCollector().GetSnapshot().Where(e => e.Id.Id == ZespanLogEvents.BackendResponseTooLarge).Select(e => e.Level));
    }

    [Fact]
    public async Task GetAsync_GzipBombPrompt_ThrowsZespanApiExceptionAndStaysBounded()
    {
        using var sp = Build();
        var prompts = sp.GetRequiredService<IPromptClient>();
        ServeBomb("/v1/prompts/support-reply");

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = await Assert.ThrowsAsync<ZespanApiException>(() => prompts.GetAsync("support-reply"));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.InRange(allocated, 0, AllocationBound);
        Assert.Contains("discarded", error.Message, StringComparison.Ordinal);
        Assert.Single(_backend.RequestsTo("/v1/prompts/support-reply")); // not retried: an answer too large is no transient failure
    }

    [Fact]
    public async Task CheckAsync_GzipBombVerdict_IsAFailedCheck()
    {
        using var sp = Build();
        var guardrails = sp.GetRequiredService<IGuardrailClient>();
        ServeBomb("/v1/guardrails/check");

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = await Assert.ThrowsAsync<GuardrailUnavailableException>(() => guardrails.CheckAsync(new GuardrailCheckRequest
        {
            Phase = GuardrailPhase.Pre,
            Messages = [new LlmMessage("user", "hello")],
        }));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.InRange(allocated, 0, AllocationBound);
        Assert.Contains("size limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportAsync_IngestAnswerOverAFewKiB_IsAFailedDelivery()
    {
        using var sp = Build();
        var exporter = sp.GetRequiredService<IngestExporter>();
        ServeBomb("/v1/ingest", status: 202);
        using var writer = new IngestBatchWriter();
        writer.BeginPass("test", 1 << 20);
        writer.TryAdd(Zespan.Extensions.Tests.Export.TestEvents.Create("a"), 1 << 20, out _, out _);
        var body = writer.BuildBody(0, 1, Guid.NewGuid(), DateTimeOffset.UtcNow, 0);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await exporter.ExportAsync(body, async: true, CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.InRange(allocated, 0, AllocationBound);
        Assert.Equal(IngestOutcome.Failed, result.Outcome);
        Assert.Equal("response too large", result.Reason);
        Assert.Equal(1, body.Attempts);
    }

    [Fact]
    public void Send_SynchronousPath_IsBoundedToo()
    {
        using var sp = Build();
        var exporter = sp.GetRequiredService<IngestExporter>();
        ServeBomb("/v1/ingest", status: 202);
        using var writer = new IngestBatchWriter();
        writer.BeginPass("test", 1 << 20);
        writer.TryAdd(Zespan.Extensions.Tests.Export.TestEvents.Create("a"), 1 << 20, out _, out _);
        var body = writer.BuildBody(0, 1, Guid.NewGuid(), DateTimeOffset.UtcNow, 0);

        var result = exporter.ExportAsync(body, async: false, CancellationToken.None);

        Assert.True(result.IsCompleted);
#pragma warning disable xUnit1031 // the synchronous path completed synchronously (asserted above): nothing blocks
        Assert.Equal("response too large", result.GetAwaiter().GetResult().Reason);
#pragma warning restore xUnit1031
    }

    private void ServeBomb(string path, int status = 200)
    {
        var bomb = Bomb.Value;
        _backend.Intercept = async (context, request) =>
        {
            if (request.Path != path)
            {
                return false;
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.Headers.ContentEncoding = "gzip";
            await context.Response.Body.WriteAsync(bomb);
            return true;
        };
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = _backend.BaseUrl;
        });
        return services.BuildServiceProvider();
    }
}
