using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Turns prepared events into ingest batches and delivers them through the <see cref="IZespanExporter"/>. A batch
/// closes at <c>BatchSize</c> events or before <c>MaxBatchBytes</c> of JSON (<see cref="IngestBatchWriter"/>); an
/// event too large even alone, or one the serializer throws on, is dropped and counted. A 413 splits the batch
/// in two new batches (new <c>batch_id</c>s), down to a lone event, which is dropped. What each answer means for
/// later sends (degraded, paused) is recorded in the <see cref="DeliveryGate"/>, which the sender asks before it
/// goes on.
/// </summary>
/// <remarks>
/// One pass at a time: the export worker calls <see cref="TryBeginPass"/>, then <see cref="Add"/> while
/// <see cref="CanTakeMore"/> and <see cref="SendReadyAsync"/> in turn, then <see cref="EndPass"/>, under its export
/// lock. With <c>async</c> false every step is synchronous and completes synchronously.
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
    private readonly IngestBatchWriter _writer = new();
    private int _usage;
    private int _batchSize = 1;
    private int _maxBatchBytes = MinBatchBytes;
    private long _deliveryFailures;
    private int _rejectionLogged;

    public BatchSender(
        IZespanExporter exporter,
        DeliveryGate gate,
        DropCounter drops,
        ExportStatistics statistics,
        IOptionsMonitor<ZespanOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
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
    }

    /// <summary>
    /// Gets the number of deliveries that failed so far (a batch not delivered, or an event held for the next batch
    /// when a pass ended early); <see cref="IZespanClient.FlushAsync"/> compares it before and after.
    /// </summary>
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);

    /// <summary>Gets a value indicating whether the current batch takes another event (below <c>BatchSize</c>, nothing held over).</summary>
    public bool CanTakeMore => _writer.ReadyCount < _batchSize && !_writer.HasCarry;

    /// <summary>Starts a pass with the options in force now (<c>BatchSize</c>, <c>MaxBatchBytes</c>, <c>Environment</c>).</summary>
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
        _writer.BeginPass(options.Environment, _maxBatchBytes);
        return true;
    }

    /// <summary>Serializes a prepared event into the current batch; one that cannot be sent at all is dropped and counted.</summary>
    public void Add(ZespanEvent item)
    {
        var added = _writer.TryAdd(item, _maxBatchBytes, out var eventBytes, out var error);
        if (added == AddResult.TooLarge)
        {
            _drops.Rejected(1);
            if (_options.CurrentValue.Debug)
            {
                ExportLog.EventTooLarge(_logger, eventBytes, _maxBatchBytes);
            }
        }
        else if (added == AddResult.Failed)
        {
            _drops.Rejected(1);
            _stats.RecordInternalError();
            if (_options.CurrentValue.Debug)
            {
                ExportLog.SerializationFailed(_logger, item.Name, error!);
            }
        }
    }

    /// <summary>Sends the current batch (splitting it on 413) and makes room for the next.</summary>
    /// <returns>
    /// <see langword="true"/> when the pass may go on; <see langword="false"/> when there was nothing to send, a
    /// delivery failed (what is still queued then waits for the next try instead of failing batch after batch
    /// against a backend that is down), <paramref name="cancellationToken"/> ended, or the gate paused sending.
    /// </returns>
    public async ValueTask<bool> SendReadyAsync(bool async, CancellationToken cancellationToken)
    {
        if (_writer.ReadyCount == 0)
        {
            return false;
        }

        var delivered = await SendRangeAsync(0, _writer.ReadyCount, async, cancellationToken).ConfigureAwait(false);
        _writer.CompleteReady();
        return delivered && !cancellationToken.IsCancellationRequested && !_gate.IsPausedForRejectedKey;
    }

    /// <summary>Ends the pass; an event held for the next batch when the pass ended early (shutdown, rejected key) is lost and counted.</summary>
    public void EndPass()
    {
        var held = _writer.EndPass();
        if (held > 0)
        {
            _drops.FailedDelivery(held);
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

    /// <summary>Sends events <paramref name="from"/> to <paramref name="to"/> of the current batch as one new batch; splits it on 413.</summary>
    /// <returns><see langword="false"/> when a delivery failed (retries ran out, circuit open, key rejected, cancelled).</returns>
    private async ValueTask<bool> SendRangeAsync(int from, int to, bool async, CancellationToken token)
    {
        var count = to - from;
        var dropped = _drops.SinceLastAccepted;
        var body = _writer.BuildBody(from, to, Guid.NewGuid(), _time.GetUtcNow(), dropped);
        var exportStarted = _time.GetTimestamp();
        var result = await _exporter.ExportAsync(body, async, token).ConfigureAwait(false);
        if (ZespanDiagnostics.ExportDuration.Enabled)
        {
            ZespanDiagnostics.ExportDuration.Record(
                _time.GetElapsedTime(exportStarted).TotalSeconds,
                new KeyValuePair<string, object?>("zespan.export.outcome", result.Outcome.ToString().ToLowerInvariant()));
        }

        _stats.RecordRetries(body.Attempts - 1);

        switch (result.Outcome)
        {
            case IngestOutcome.Accepted:
                // Only what this batch reported is acknowledged; drops counted meanwhile go out with the next one.
                _drops.Acknowledge(dropped);
                _stats.RecordExported(count, _time.GetUtcNow());
                _gate.RecordDelivered();
                return true;

            case IngestOutcome.TooLarge when count > 1:
                ExportLog.BatchSplit(_logger, count);
                var middle = from + (count / 2);
                var first = await SendRangeAsync(from, middle, async, token).ConfigureAwait(false);
                if (token.IsCancellationRequested || _gate.IsPausedForRejectedKey)
                {
                    FailBatch(to - middle);
                    return false;
                }

                var second = await SendRangeAsync(middle, to, async, token).ConfigureAwait(false);
                return first && second;

            case IngestOutcome.TooLarge:
                _drops.Rejected(1);
                _stats.RecordExportFailure();
                if (_options.CurrentValue.Debug)
                {
                    ExportLog.LoneEventTooLarge(_logger, body.UncompressedLength);
                }

                return true;

            case IngestOutcome.Rejected:
                _drops.Rejected(count);
                _stats.RecordExportFailure();
                if (Interlocked.Exchange(ref _rejectionLogged, 1) == 0 || _options.CurrentValue.Debug)
                {
                    ExportLog.BatchRejected(_logger, count, result.StatusCode, result.ErrorType, result.ErrorMessage);
                }

                return true;

            case IngestOutcome.KeyRejected:
                _gate.RecordKeyRejected(body.ApiKey, result.StatusCode);
                FailBatch(count);
                return false;

            default:
                FailBatch(count);
                _gate.RecordFailed();
                if (_options.CurrentValue.Debug)
                {
                    ExportLog.BatchFailed(_logger, count, body.Attempts, result.StatusCode, result.Reason, result.Error);
                }

                return false;
        }
    }

    private void FailBatch(int count)
    {
        _drops.FailedDelivery(count);
        _stats.RecordExportFailure();
        Interlocked.Increment(ref _deliveryFailures);
    }
}
