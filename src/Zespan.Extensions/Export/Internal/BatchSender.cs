using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Turns prepared events into ingest batches and delivers them through the <see cref="IZespanExporter"/>. A batch
/// closes at <c>BatchSize</c> events or before <c>MaxBatchBytes</c> of JSON (<see cref="IngestBatchWriter"/>); an event
/// over <c>MaxEventBytes</c> is cut (<see cref="EventTruncator"/>), one that cannot be cut below the limit or that the
/// serializer throws on is dropped and counted. A 413 splits the batch in two new batches (new <c>batch_id</c>s), down
/// to a lone event, which is dropped. A transient failure (408, 429, 5xx, network, timeout, open circuit) or a
/// rejected key drops nothing: the batch, its exact body and <c>batch_id</c>, goes to the <see cref="DeliveryBacklog"/>
/// and is sent again, before newer events, once the <see cref="DeliveryGate"/> opens. What each answer means for later
/// sends (degraded, paused) is recorded in the gate, which the sender asks before it goes on.
/// </summary>
/// <remarks>
/// One pass at a time: the export worker calls <see cref="TryBeginPass"/>, then <see cref="SendBacklogAsync"/>, then
/// <see cref="Add"/> while <see cref="CanTakeMore"/> and <see cref="SendReadyAsync"/> (or <see cref="StoreReady"/>) in
/// turn, then <see cref="EndPass"/>, under its export lock. With <c>async</c> false every step is synchronous and
/// completes synchronously. With offline storage, while a request is in flight the attached <see cref="QueueSpiller"/>
/// may move queued events to disk in the same flow (with a store-only sender of its own, <see cref="CreateStoreOnly"/>).
/// </remarks>
internal sealed class BatchSender : IDisposable
{
    private const int MinBatchBytes = 1024;
    private const int Idle = 0;
    private const int InPass = 1;
    private const int DisposeRequested = 2;
    private const int Disposed = 3;

    private readonly IZespanExporter _exporter;
    private readonly DeliveryGate _gate;
    private readonly DropCounter _drops;
    private readonly ExportStatistics _stats;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly DeliveryBacklog _backlog;
    private readonly MemoryBudget _budget;
    private readonly IngestBatchWriter _writer = new();
    private readonly IngestBody _retainedBody = new();
    private int _usage;
    private int _batchSize = 1;
    private int _maxBatchBytes = MinBatchBytes;
    private int _maxEventBytes = int.MaxValue;
    private bool _debug;
    private long _deliveryFailures;
    private int _rejectionLogged;
    private QueueSpiller? _spiller;

    public BatchSender(
        IZespanExporter exporter,
        DeliveryGate gate,
        DropCounter drops,
        ExportStatistics statistics,
        IOptionsMonitor<ZespanOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        DeliveryBacklog? backlog = null,
        MemoryBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _exporter = exporter;
        _gate = gate;
        _drops = drops;
        _stats = statistics;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("Zespan");
        _loggerFactory = loggerFactory;
        _budget = budget ?? backlog?.Budget ?? new MemoryBudget(options, statistics);
        _backlog = backlog ?? new DeliveryBacklog(new OfflineBatchStore(options, _time, drops, statistics, loggerFactory), _budget, drops, statistics);
    }

    /// <summary>
    /// Gets the number of deliveries that failed so far (a batch not delivered now, or events held when a pass ended
    /// early); <see cref="IZespanClient.FlushAsync"/> compares it before and after.
    /// </summary>
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);

    /// <summary>Gets the batches waiting to be sent again.</summary>
    public DeliveryBacklog Backlog => _backlog;

    /// <summary>Gets a value indicating whether the current batch takes another event (below <c>BatchSize</c>, nothing held over).</summary>
    public bool CanTakeMore => _writer.ReadyCount < _batchSize && !_writer.HasCarry;

    /// <summary>Gets a value indicating whether a batch is ready to go.</summary>
    public bool HasReady => _writer.ReadyCount > 0;

    /// <summary>
    /// A sender of its own (its own batch writer and buffers, the same backlog, budget and counters) that only keeps
    /// batches (<see cref="StoreReady"/>): the <see cref="QueueSpiller"/> batches with it while this one has a batch in flight.
    /// </summary>
    public BatchSender CreateStoreOnly() =>
        new(_exporter, _gate, _drops, _stats, _options, _time, _loggerFactory, _backlog, _budget);

    /// <summary>
    /// Has <paramref name="spiller"/> move waiting events to offline storage while a request of this sender is in flight
    /// (the export worker attaches it once, when it is created).
    /// </summary>
    public void AttachSpiller(QueueSpiller spiller) => _spiller = spiller;

    /// <summary>Starts a pass with the options in force now (<c>BatchSize</c>, <c>MaxBatchBytes</c>, <c>MaxEventBytes</c>, <c>Environment</c>).</summary>
    /// <returns><see langword="false"/> once disposed: nothing can be sent.</returns>
    public bool TryBeginPass()
    {
        if (Interlocked.CompareExchange(ref _usage, InPass, Idle) != Idle)
        {
            return false;
        }

        var options = _options.CurrentValue;
        _batchSize = Math.Max(1, options.BatchSize);
        _maxBatchBytes = Math.Max(MinBatchBytes, options.MaxBatchBytes);
        _maxEventBytes = Math.Max(256, options.MaxEventBytes);
        _debug = options.Debug;
        _writer.BeginPass(options.Environment, _maxBatchBytes);
        return true;
    }

    /// <summary>
    /// Sends the batches waiting to be sent again, oldest first, while the backend takes them, at most
    /// <paramref name="limit"/> of them. Returns false when one failed (it goes back, first in line) or
    /// <paramref name="cancellationToken"/> ended.
    /// </summary>
    public async ValueTask<bool> SendBacklogAsync(bool async, CancellationToken cancellationToken, int limit = int.MaxValue)
    {
        for (var sent = 0; sent < limit && !cancellationToken.IsCancellationRequested && !_gate.IsPausedForRejectedKey && _backlog.TryTakeNext(out var batch); sent++)
        {
            if (!await SendRetainedAsync(batch, async, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return !cancellationToken.IsCancellationRequested && !_gate.IsPausedForRejectedKey;
    }

    /// <summary>Serializes a prepared event into the current batch (cut when over <c>MaxEventBytes</c>); one that cannot be sent at all is dropped and counted.</summary>
    public void Add(ZespanEvent item)
    {
        var reserved = item.ReservedBytes;
        item.ReservedBytes = 0;
        var added = _writer.TryAdd(item, _maxBatchBytes, _maxEventBytes, reserved, out var eventBytes, out var error, out var truncated);
        if (truncated)
        {
            _stats.RecordTruncated();
            if (_debug)
            {
                ExportLog.EventTruncated(_logger, item.Name, eventBytes, _maxEventBytes);
            }
        }

        switch (added)
        {
            case AddResult.Added or AddResult.Full:
                // The event's share of the budget is now its JSON's length at most (its raw captures were parsed and freed).
                _budget.Release(reserved - Math.Min(reserved, eventBytes));
                break;
            case AddResult.TooLarge:
                _budget.Release(reserved);
                _drops.Drop(DropReason.TooLarge);
                if (_debug)
                {
                    ExportLog.EventTooLarge(_logger, eventBytes, Math.Min(_maxEventBytes, _maxBatchBytes));
                }

                break;
            default:
                _budget.Release(reserved);
                _drops.Drop(DropReason.ProcessingFailed);
                _stats.RecordInternalError();
                if (_debug)
                {
                    ExportLog.SerializationFailed(_logger, item.Name, error!);
                }

                break;
        }
    }

    /// <summary>Sends the current batch (splitting it on 413) and makes room for the next.</summary>
    /// <returns>
    /// <see langword="true"/> when the pass may go on; <see langword="false"/> when there was nothing to send, a
    /// delivery failed (the batch waits in the backlog, and what is still queued waits for the gate instead of failing
    /// batch after batch against a backend that is down), <paramref name="cancellationToken"/> ended, or the gate paused sending.
    /// </returns>
    public async ValueTask<bool> SendReadyAsync(bool async, CancellationToken cancellationToken)
    {
        if (_writer.ReadyCount == 0)
        {
            return false;
        }

        var dropped = _drops.Claim();
        var delivered = await SendRangeAsync(0, _writer.ReadyCount, dropped, async, cancellationToken).ConfigureAwait(false);
        _writer.CompleteReady();
        return delivered && !cancellationToken.IsCancellationRequested && !_gate.IsPausedForRejectedKey;
    }

    /// <summary>Keeps the current batch for later without sending it (to offline storage while the backend cannot take it).</summary>
    public void StoreReady()
    {
        if (_writer.ReadyCount == 0)
        {
            return;
        }

        KeepRange(0, _writer.ReadyCount, _drops.Claim());
        _writer.CompleteReady();
    }

    /// <summary>Counts a delivery the pass could not make (events it owed were left waiting), so a flush that waited for them reports false.</summary>
    public void RecordHeld() => Interlocked.Increment(ref _deliveryFailures);

    /// <summary>Ends the pass; events still held (the pass ended early: shutdown, failure, rejected key) are kept as batches, not lost.</summary>
    public void EndPass()
    {
        var held = false;
        while (_writer.ReadyCount > 0)
        {
            held = true;
            StoreReady();
        }

        _writer.EndPass();
        if (held)
        {
            Interlocked.Increment(ref _deliveryFailures);
        }

        // A dispose that came during the pass gives the buffers back now.
        if (Interlocked.CompareExchange(ref _usage, Idle, InPass) == DisposeRequested)
        {
            Volatile.Write(ref _usage, Disposed);
            _writer.Dispose();
        }
    }

    /// <summary>Gives the pooled buffers back, at once or, when a pass (an aborted export) still uses them, at its end.</summary>
    public void Dispose()
    {
        while (true)
        {
            var usage = Volatile.Read(ref _usage);
            if (usage == Idle)
            {
                if (Interlocked.CompareExchange(ref _usage, Disposed, Idle) == Idle)
                {
                    _writer.Dispose();
                    return;
                }
            }
            else if (usage == InPass)
            {
                if (Interlocked.CompareExchange(ref _usage, DisposeRequested, InPass) == InPass)
                {
                    return;
                }
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>Builds events <paramref name="from"/> to <paramref name="to"/> of the current batch into a new batch and keeps it in the backlog.</summary>
    private void KeepRange(int from, int to, long dropped)
    {
        var body = _writer.BuildBody(from, to, Guid.NewGuid(), _time.GetUtcNow(), dropped);
        _backlog.Keep(RetainedBatch.Copy(body, dropped), _writer.ReservedIn(from, to));
    }

    /// <summary>Sends events <paramref name="from"/> to <paramref name="to"/> of the current batch as one new batch; splits it on 413.</summary>
    /// <returns><see langword="false"/> when a delivery failed (the batch is kept: transient failure, key rejected, cancelled).</returns>
    private async ValueTask<bool> SendRangeAsync(int from, int to, long dropped, bool async, CancellationToken token)
    {
        var count = to - from;
        var body = _writer.BuildBody(from, to, Guid.NewGuid(), _time.GetUtcNow(), dropped);
        var reserved = _writer.ReservedIn(from, to);
        var result = await ExportAsync(body, async, token).ConfigureAwait(false);

        switch (result.Outcome)
        {
            case IngestOutcome.Accepted:
                // What this batch reported is known to the backend now; losses counted meanwhile go out with the next one.
                _drops.Delivered(dropped);
                _budget.Release(reserved);
                _stats.RecordExported(count, _time.GetUtcNow());
                _gate.RecordDelivered();
                return true;

            case IngestOutcome.TooLarge when count > 1:
                ExportLog.BatchSplit(_logger, count);
                var middle = from + (count / 2);
                var first = await SendRangeAsync(from, middle, dropped, async, token).ConfigureAwait(false);
                if (!first || token.IsCancellationRequested || _gate.IsPausedForRejectedKey)
                {
                    KeepRange(middle, to, 0);
                    return false;
                }

                return await SendRangeAsync(middle, to, 0, async, token).ConfigureAwait(false);

            case IngestOutcome.TooLarge:
                _drops.Unclaim(dropped, carriedHere: true);
                _budget.Release(reserved);
                _drops.Drop(DropReason.TooLarge);
                _stats.RecordExportFailure();
                if (_debug)
                {
                    ExportLog.LoneEventTooLarge(_logger, body.UncompressedLength);
                }

                return true;

            case IngestOutcome.Rejected:
                _drops.Unclaim(dropped, carriedHere: true);
                _budget.Release(reserved);
                _drops.Drop(DropReason.Rejected, count);
                _stats.RecordExportFailure();
                LogRejected(count, result);
                return true;

            default:
                // A transient failure or a rejected key: nothing is lost; the exact body waits to be sent again.
                Fail(result, body.ApiKey);
                _backlog.Keep(RetainedBatch.Copy(body, dropped), reserved);
                if (_debug && result.Outcome == IngestOutcome.Failed)
                {
                    ExportLog.BatchFailed(_logger, count, body.Attempts, result.StatusCode, result.Reason, result.Error);
                }

                return false;
        }
    }

    /// <summary>Sends a batch from the backlog; it goes back first in line when the backend cannot take it now.</summary>
    private async ValueTask<bool> SendRetainedAsync(RetainedBatch batch, bool async, CancellationToken token)
    {
        _retainedBody.Reset(batch.BatchId, batch.Body, batch.Body.Length, batch.UncompressedLength, batch.EventCount);
        var result = await ExportAsync(_retainedBody, async, token).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case IngestOutcome.Accepted:
                if (batch.CarriedHere)
                {
                    _drops.Delivered(batch.DroppedReported);
                }

                _backlog.Complete(batch);
                _stats.RecordExported(batch.EventCount, _time.GetUtcNow());
                _gate.RecordDelivered();
                return true;

            case IngestOutcome.TooLarge when batch.EventCount > 1 && IngestBodySplitter.TrySplit(batch, _time.GetUtcNow(), out var first, out var second):
                ExportLog.BatchSplit(_logger, batch.EventCount);
                var reserved = batch.ReservedBytes;
                batch.ReservedBytes = 0;
                _backlog.Complete(batch);
                _backlog.Keep(second, reserved - (reserved / 2), first: true);
                _backlog.Keep(first, reserved / 2, first: true);
                return true;

            case IngestOutcome.TooLarge or IngestOutcome.Rejected:
                _drops.Unclaim(batch.DroppedReported, batch.CarriedHere);
                _backlog.Complete(batch);
                _drops.Drop(result.Outcome == IngestOutcome.TooLarge ? DropReason.TooLarge : DropReason.Rejected, batch.EventCount);
                _stats.RecordExportFailure();
                LogRejected(batch.EventCount, result);
                return true;

            default:
                Fail(result, _retainedBody.ApiKey);
                _backlog.PutBack(batch);
                if (_debug && result.Outcome == IngestOutcome.Failed)
                {
                    ExportLog.BatchFailed(_logger, batch.EventCount, _retainedBody.Attempts, result.StatusCode, result.Reason, result.Error);
                }

                return false;
        }
    }

    private async ValueTask<IngestResult> ExportAsync(IngestBody body, bool async, CancellationToken token)
    {
        var exportStarted = _time.GetTimestamp();
        var pending = _exporter.ExportAsync(body, async, token);

        // While the request is in flight (retries and their delays included) the spiller may move waiting events to disk.
        var result = async && _spiller is { } spiller && !pending.IsCompleted
            ? await spiller.WhileInFlightAsync(pending, token).ConfigureAwait(false)
            : await pending.ConfigureAwait(false);
        if (ZespanDiagnostics.ExportDuration.Enabled)
        {
            ZespanDiagnostics.ExportDuration.Record(
                _time.GetElapsedTime(exportStarted).TotalSeconds,
                new KeyValuePair<string, object?>("zespan.export.outcome", result.Outcome.ToString().ToLowerInvariant()));
        }

        _stats.RecordRetries(body.Attempts - 1);
        return result;
    }

    private void Fail(IngestResult result, string? apiKey)
    {
        _stats.RecordExportFailure();
        Interlocked.Increment(ref _deliveryFailures);
        if (result.Outcome == IngestOutcome.KeyRejected)
        {
            _gate.RecordKeyRejected(apiKey, result.StatusCode);
        }
        else
        {
            _gate.RecordFailed(result.RetryAfter);
        }
    }

    private void LogRejected(int count, IngestResult result)
    {
        if (result.Outcome == IngestOutcome.TooLarge)
        {
            if (_debug)
            {
                ExportLog.LoneEventTooLarge(_logger, 0);
            }

            return;
        }

        if (Interlocked.Exchange(ref _rejectionLogged, 1) == 0 || _debug)
        {
            ExportLog.BatchRejected(_logger, count, result.StatusCode, result.ErrorType, result.ErrorMessage);
        }
    }
}
