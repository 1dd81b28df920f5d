using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tests.Configuration;

namespace Zespan.Extensions.Tests.Export;

public sealed class BatchSenderTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero));
    private readonly ExportStatistics _stats = new();
    private readonly DropCounter _drops;
    private readonly TestOptionsMonitor _options = new(new ZespanOptions { ApiKey = "zsp_sender_key_1", Environment = "test", BatchSize = 50 });
    private readonly DeliveryGate _gate;
    private readonly FakeExporter _exporter = new() { ApiKey = "zsp_sender_key_1" };
    private readonly BatchSender _sender;

    public BatchSenderTests()
    {
        _drops = new DropCounter(_stats);
        _gate = new DeliveryGate(_options, NullLoggerFactory.Instance);
        _sender = new BatchSender(_exporter, _gate, _drops, _stats, _options, _time, NullLoggerFactory.Instance);
    }

    public void Dispose()
    {
        _sender.Dispose();
        _gate.Dispose();
    }

    [Fact]
    public async Task SendReadyAsync_413_SplitsIntoTwoNewBatchIdsThroughTheExporter()
    {
        _exporter.Then(IngestOutcome.TooLarge, 413);

        var goOn = await SendAsync(TestEvents.Many(5));

        Assert.True(goOn);
        var batches = _exporter.Batches;
        Assert.Equal([5, 2, 3], batches.Select(b => b.EventCount));
        Assert.Equal(3, batches.Select(b => b.BatchId).Distinct().Count());
        Assert.Equal(["e0", "e1"], batches[1].Names);
        Assert.Equal(["e2", "e3", "e4"], batches[2].Names);
        Assert.Equal(5, _stats.EventsExported);
        Assert.Equal(2, _stats.BatchesExported);
        Assert.Equal(0, _stats.EventsDroppedRejected + _stats.EventsDroppedFailedDelivery);
    }

    [Fact]
    public async Task SendReadyAsync_413ForLoneEvents_DropsThemCountsThemAndGoesOn()
    {
        _exporter.Then(IngestOutcome.TooLarge, 413, count: 3);

        var goOn = await SendAsync(TestEvents.Many(2));

        Assert.True(goOn);
        Assert.Equal([2, 1, 1], _exporter.Batches.Select(b => b.EventCount));
        Assert.Equal(2, _stats.EventsDroppedRejected);
        Assert.Equal(2, _drops.SinceLastAccepted);
        Assert.Equal(0, _sender.DeliveryFailures);
    }

    [Fact]
    public async Task SendReadyAsync_Accepted_ReportsAndAcknowledgesTheLossesItCarried()
    {
        _drops.Drop(DropReason.Rejected, 2);
        _gate.RecordFailed();

        Assert.True(await SendAsync(TestEvents.Many(1)));

        Assert.Equal(2, Assert.Single(_exporter.Batches).DroppedSinceLast);
        Assert.Equal(0, _drops.SinceLastAccepted);
        Assert.False(_gate.IsDegraded);
        Assert.Equal(_time.GetUtcNow(), _stats.LastSuccessTime);
    }

    [Fact]
    public async Task SendReadyAsync_DeliveryFailed_DegradesTheGateKeepsTheBatchAndStopsThePass()
    {
        _exporter.Then(IngestOutcome.Failed, 503);

        var goOn = await SendAsync(TestEvents.Many(3));

        Assert.False(goOn);
        Assert.True(_gate.IsDegraded);
        Assert.Equal(0, _stats.EventsDroppedFailedDelivery);
        Assert.Equal(1, _stats.ExportFailures);
        Assert.Equal(1, _sender.DeliveryFailures);
        Assert.Equal(0, _drops.SinceLastAccepted);
        Assert.Equal(1, _sender.Backlog.MemoryCount);
        Assert.Equal(3, _sender.Backlog.MemoryEvents);

        // Sent again later: the same batch id and byte-identical body.
        Assert.True(_sender.TryBeginPass());
        try
        {
            Assert.True(await _sender.SendBacklogAsync(async: true, CancellationToken.None));
        }
        finally
        {
            _sender.EndPass();
        }

        var batches = _exporter.Batches;
        Assert.Equal(2, batches.Count);
        Assert.Equal(batches[0].BatchId, batches[1].BatchId);
        Assert.Equal(batches[0].Json.ToJsonString(), batches[1].Json.ToJsonString());
        Assert.Equal(3, _stats.EventsExported);
        Assert.True(_sender.Backlog.IsEmpty);
        Assert.False(_gate.IsDegraded);
    }

    [Fact]
    public async Task SendReadyAsync_KeyRejectedInTheFirstHalfOfASplit_PausesKeepsBothHalvesAndDoesNotSendTheSecond()
    {
        _exporter.Then(IngestOutcome.TooLarge, 413).Then(IngestOutcome.KeyRejected, 401);

        var goOn = await SendAsync(TestEvents.Many(4));

        Assert.False(goOn);
        Assert.Equal([4, 2], _exporter.Batches.Select(b => b.EventCount));
        Assert.True(_gate.IsPausedForRejectedKey);
        Assert.Equal(0, _stats.EventsDroppedFailedDelivery);
        Assert.Equal(2, _sender.Backlog.MemoryCount);
        Assert.Equal(4, _sender.Backlog.MemoryEvents);
    }

    [Fact]
    public async Task Add_EventLargerThanMaxBatchBytes_IsCutToFitAndSentMarkedTruncated()
    {
        _options.Change(o => o.MaxBatchBytes = 4096);

        Assert.True(await SendAllAsync([TestEvents.Create("small"), TestEvents.Create("huge", promptChars: 10_000)]));

        // Cut to fit a batch alone, it goes in the next batch.
        var batches = _exporter.Batches;
        Assert.Equal(["small", "huge"], batches.SelectMany(b => b.Names));
        Assert.False(batches[0].Json["events"]![0]!["truncated"]!.GetValue<bool>());
        Assert.True(batches[^1].Json["events"]![0]!["truncated"]!.GetValue<bool>());
        Assert.Equal(0, _stats.EventsDroppedRejected);
        Assert.Equal(1, _stats.EventsTruncated);
    }

    [Fact]
    public async Task Add_EventThatCannotBeCutBelowTheLimit_DropsItCountsItAndSendsTheRest()
    {
        _options.Change(o => o.MaxBatchBytes = 4096);
        var unshrinkable = TestEvents.Create(new string('n', 5000));

        Assert.True(await SendAsync([TestEvents.Create("small"), unshrinkable]));

        var batch = Assert.Single(_exporter.Batches);
        Assert.Equal(["small"], batch.Names);
        Assert.Equal(1, _stats.Dropped(DropReason.TooLarge));
        Assert.Equal(1, batch.DroppedSinceLast); // reported by the batch that followed it, once
        Assert.Equal(0, _drops.SinceLastAccepted);
    }

    [Fact]
    public void CanTakeMore_BatchSizeReached_IsFalseUntilTheBatchIsSent()
    {
        _options.Change(o => o.BatchSize = 2);
        Assert.True(_sender.TryBeginPass());
        try
        {
            _sender.Add(TestEvents.Create());
            Assert.True(_sender.CanTakeMore);
            _sender.Add(TestEvents.Create());
            Assert.False(_sender.CanTakeMore);
        }
        finally
        {
            _sender.EndPass();
        }
    }

    [Fact]
    public void EndPass_EventsHeldWhenThePassEndsEarly_AreKeptAsBatchesNotLost()
    {
        _options.Change(o => o.MaxBatchBytes = 4096);
        Assert.True(_sender.TryBeginPass());
        _sender.Add(TestEvents.Create("a", promptChars: 1500));
        _sender.Add(TestEvents.Create("b", promptChars: 1500)); // does not fit: held for the next batch

        _sender.EndPass();

        Assert.Equal(0, _stats.EventsDroppedFailedDelivery);
        Assert.Equal(1, _sender.DeliveryFailures);
        Assert.Equal(2, _sender.Backlog.MemoryCount);
        Assert.Equal(2, _sender.Backlog.MemoryEvents);
    }

    [Fact]
    public void TryBeginPass_AfterDispose_IsFalse()
    {
        _sender.Dispose();

        Assert.False(_sender.TryBeginPass());
    }

    private async Task<bool> SendAllAsync(IEnumerable<Zespan.Extensions.Events.Internal.ZespanEvent> events)
    {
        Assert.True(_sender.TryBeginPass());
        try
        {
            foreach (var e in events)
            {
                _sender.Add(e);
            }

            var goOn = true;
            while (goOn && _sender.HasReady)
            {
                goOn = await _sender.SendReadyAsync(async: true, CancellationToken.None);
            }

            return goOn;
        }
        finally
        {
            _sender.EndPass();
        }
    }

    private async Task<bool> SendAsync(IEnumerable<Zespan.Extensions.Events.Internal.ZespanEvent> events)
    {
        Assert.True(_sender.TryBeginPass());
        try
        {
            foreach (var e in events)
            {
                _sender.Add(e);
            }

            return await _sender.SendReadyAsync(async: true, CancellationToken.None);
        }
        finally
        {
            _sender.EndPass();
        }
    }
}
