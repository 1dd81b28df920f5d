using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The event pipeline: a bounded lock-free queue the app enqueues into without ever blocking, a background
/// loop that sends batches when <c>BatchSize</c> events wait or every <c>FlushInterval</c>, the exporter, and
/// <see cref="IZespanClient"/>. One export runs at a time (<c>_exportLock</c>), so the background loop,
/// concurrent <see cref="FlushAsync"/> calls and the shutdown drain never send an event twice or lose one.
/// </summary>
/// <remarks>
/// The loop, flushes and timers start with execution-context flow suppressed: they join no request's trace,
/// capture no <see cref="AsyncLocal{T}"/> and see no <see cref="Activity.Current"/>.
/// </remarks>
internal sealed class ZespanExportPipeline : IZespanEventQueue, IZespanClient, IDisposable, IAsyncDisposable
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Stopped = 2;
    private const int Disposed = 3;
    private const int MinBatchBytes = 1024;

    private static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(30);

    private readonly ConcurrentQueue<ZespanEvent> _queue = new();
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExportStatistics _stats;
    private readonly IngestExporter _exporter;
    private readonly IngestBatchWriter _writer = new();
    private readonly EventSteps _steps;
    private readonly IFlushCycleParticipant[] _participants;
    private readonly SemaphoreSlim _exportLock = new(1, 1);
    private readonly SemaphoreSlim _cycleLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _loopStop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _lifecycle = new();
    private readonly Lock _flushGate = new();
    private readonly EventHandler _processExitHandler;
    private readonly IDisposable? _optionsSubscription;

    private int _state;
    private bool _hostStopped;
    private ITimer? _timer;
    private Task _loop = Task.CompletedTask;
    private TaskCompletionSource? _pendingFlush;

    // Settings cached from the options (read on the hot path), refreshed by IOptionsMonitor.OnChange.
    private int _batchSize;
    private int _maxQueueSize;
    private bool _debug;
    private TimeSpan _flushInterval;

    // Wake-up reasons of the loop; each is set once before one release of _wake.
    private int _batchPending;
    private int _tickPending;
    private int _cyclePending;
    private int _resumePending;

    private long _droppedSinceLast;
    private long _deliveryFailures;
    private long _reportedQueueDrops;
    private int _paused;
    private int _degraded;
    private string? _pausedKey;
    private int _keyRejectionLogged;
    private int _rejectionLogged;

    public ZespanExportPipeline(
        IOptionsMonitor<ZespanOptions> options,
        ZespanBackendClient backend,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        ExportStatistics statistics,
        EventSteps steps,
        IEnumerable<IFlushCycleParticipant> participants)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("Zespan");
        _stats = statistics ?? new ExportStatistics();
        _exporter = new IngestExporter(backend);

        _steps = steps ?? throw new ArgumentNullException(nameof(steps));
        _participants = (participants ?? []).ToArray();
        _processExitHandler = OnProcessExit;
        ApplyOptions(options.CurrentValue);
        _optionsSubscription = options.OnChange(OnOptionsChanged);
    }

    /// <summary>Gets the counters of this pipeline.</summary>
    public ExportStatistics Statistics => _stats;

    /// <summary>Gets the number of events discarded since the last accepted batch (sent as <c>dropped_since_last</c>).</summary>
    internal long DroppedSinceLast => Interlocked.Read(ref _droppedSinceLast);

    /// <summary>Gets a value indicating whether the last delivery failed, so only the interval (or a flush) tries again.</summary>
    internal bool IsDegraded => Volatile.Read(ref _degraded) != 0;

    /// <summary>Gets a value indicating whether sending is paused because the backend rejected the current key.</summary>
    internal bool IsPausedForRejectedKey => IsPaused();

    /// <inheritdoc/>
    public bool TryEnqueue(ZespanEvent item)
    {
        if (item is null)
        {
            return false;
        }

        var state = Volatile.Read(ref _state);
        if (state == Disposed)
        {
            _stats.RecordDroppedQueueFull();
            return false;
        }

        // At the cap (a backend outage) a plain read refuses the event without touching the shared counter.
        if (Volatile.Read(ref _stats.QueueLengthCounter) >= _maxQueueSize)
        {
            Interlocked.Increment(ref _droppedSinceLast);
            _stats.RecordDroppedQueueFull();
            return false;
        }

        var count = Interlocked.Increment(ref _stats.QueueLengthCounter);
        if (count > _maxQueueSize)
        {
            Interlocked.Decrement(ref _stats.QueueLengthCounter);
            Interlocked.Increment(ref _droppedSinceLast);
            _stats.RecordDroppedQueueFull();
            return false;
        }

        _queue.Enqueue(item);
        _stats.RecordEnqueued();
        if (state == NotStarted)
        {
            Start();
        }

        if (count >= _batchSize && Volatile.Read(ref _batchPending) == 0 && Interlocked.Exchange(ref _batchPending, 1) == 0)
        {
            _wake.Release();
        }

        return true;
    }

    /// <summary>
    /// Starts the background loop and the flush timer (the hosted service at host start, or the first
    /// enqueue without a host). Does nothing when already started, stopped or disposed.
    /// </summary>
    public void Start()
    {
        lock (_lifecycle)
        {
            if (_state != NotStarted)
            {
                return;
            }

            _state = Running;
            try
            {
                using (SuppressFlow())
                {
                    _timer = _time.CreateTimer(static s => ((ZespanExportPipeline)s!).OnTick(), this, _flushInterval, _flushInterval);
                    _loop = Task.Run(RunLoopAsync);
                }

                AppDomain.CurrentDomain.ProcessExit += _processExitHandler;

                // The first cycle runs at once (remote configuration is fetched at start, not after one interval).
                Volatile.Write(ref _cyclePending, 1);
                _wake.Release();
            }
#pragma warning disable CA1031 // never hurt the app: it keeps running, FlushAsync still sends
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _stats.RecordInternalError();
                ExportLog.StartFailed(_logger, ex);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (Volatile.Read(ref _state) == Disposed)
            {
                return _stats.QueueLength == 0;
            }

            var failuresBefore = Interlocked.Read(ref _deliveryFailures);
            if (IsPaused())
            {
                return false;
            }

            // Nothing queued and no export in flight: every earlier event has met its fate already.
            if (_stats.QueueLength == 0 && _exportLock.CurrentCount == 1)
            {
                return true;
            }

            var flush = RequestFlush();
            await flush.WaitAsync(ShutdownTimeout, _time, cancellationToken).ConfigureAwait(false);
            return Interlocked.Read(ref _deliveryFailures) == failuresBefore && !IsPaused();
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
#pragma warning disable CA1031 // FlushAsync never throws into the app
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
            return false;
        }
    }

    /// <inheritdoc/>
    public async Task RefreshConfigAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await RunParticipantsAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // never throws; participants log their own failures
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }
    }

    /// <summary>
    /// The final drain when the host has stopped: ends the loop, then sends everything queued within
    /// <c>ShutdownTimeout</c> (or until <paramref name="cancellationToken"/> ends it). Never throws.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lifecycle)
        {
            if (_state is Stopped or Disposed)
            {
                return;
            }

            _state = Stopped;
            _hostStopped = true;
        }

        _timer?.Dispose();
        _loopStop.Cancel();
        using var deadline = new CancellationTokenSource(ShutdownTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var abortAtDeadline = linked.Token.Register(static s => ((ZespanExportPipeline)s!).Abort(), this);
        try
        {
            await DrainAsync(async: true, linked.Token).ConfigureAwait(false);
            await _loop.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The deadline passed: what is left stays counted in the queue length.
        }
#pragma warning disable CA1031 // shutdown never throws into the host
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }

        var left = _stats.QueueLength;
        if (left > 0 && _debug)
        {
            ExportLog.UndeliveredAtShutdown(_logger, left);
        }
    }

    /// <summary>
    /// The <see cref="AppDomain.ProcessExit"/> handler's work: when no host stopped the pipeline, sends what is
    /// queued synchronously (no sync-over-async: the synchronous HTTP path) within <c>ShutdownTimeout</c>.
    /// </summary>
    internal void DrainAtProcessExit()
    {
        lock (_lifecycle)
        {
            if (_hostStopped || _state == Disposed)
            {
                return;
            }

            _state = Stopped;
        }

        try
        {
            _timer?.Dispose();
            _loopStop.Cancel();
            if (_stats.QueueLength == 0 && _exportLock.CurrentCount == 1)
            {
                return;
            }

            using var deadline = new CancellationTokenSource(ShutdownTimeout, _time);
            using var abortAtDeadline = deadline.Token.Register(static s => ((ZespanExportPipeline)s!).Abort(), this);
            var drain = DrainAsync(async: false, deadline.Token);
            Debug.Assert(drain.IsCompleted, "The synchronous drain completes synchronously.");
            drain.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // The deadline passed.
        }
#pragma warning disable CA1031 // a process-exit handler must not throw
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lifecycle)
        {
            if (_state == Disposed)
            {
                return;
            }

            _state = Disposed;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;
        _optionsSubscription?.Dispose();
        _timer?.Dispose();
        _loopStop.Cancel();
        Abort();

        var left = 0;
        while (_queue.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _stats.QueueLengthCounter);
            left++;
        }

        if (left > 0)
        {
            _stats.RecordDroppedFailedDelivery(left);
            if (_debug)
            {
                ExportLog.UndeliveredAtShutdown(_logger, left);
            }
        }

        // Give the pooled buffers back unless an (aborted) export still holds them; the lock stays taken.
        if (_exportLock.Wait(0))
        {
            _writer.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the loop never faults; nothing to report at dispose
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static AsyncFlowControl? SuppressFlow() =>
        ExecutionContext.IsFlowSuppressed() ? null : ExecutionContext.SuppressFlow();

    private TimeSpan ShutdownTimeout
    {
        get
        {
            var timeout = _options.CurrentValue.ShutdownTimeout;
            if (timeout <= TimeSpan.Zero)
            {
                return DefaultShutdownTimeout;
            }

            return timeout > MaxTimerDelay ? MaxTimerDelay : timeout;
        }
    }

    private void ApplyOptions(ZespanOptions options)
    {
        _batchSize = Math.Max(1, options.BatchSize);
        _maxQueueSize = Math.Max(1, options.MaxQueueSize);
        _debug = options.Debug;
        var interval = options.FlushInterval > TimeSpan.Zero ? options.FlushInterval : DefaultFlushInterval;
        if (interval > MaxTimerDelay)
        {
            interval = MaxTimerDelay;
        }

        if (interval != _flushInterval)
        {
            _flushInterval = interval;
            _timer?.Change(interval, interval);
        }
    }

    private void OnOptionsChanged(ZespanOptions options, string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        try
        {
            ApplyOptions(options);
            if (Volatile.Read(ref _paused) != 0 && !IsPausedFor(options.ApiKey) && Interlocked.Exchange(ref _resumePending, 1) == 0)
            {
                _wake.Release();
            }
        }
#pragma warning disable CA1031 // an options listener must not throw into the configuration reload
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }
    }

    private void OnTick()
    {
        if (Interlocked.Exchange(ref _tickPending, 1) == 0)
        {
            _wake.Release();
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => DrainAtProcessExit();

    private void Abort()
    {
        try
        {
            _abort.Cancel();
        }
#pragma warning disable CA1031 // cancellation callbacks of in-flight requests must not escape
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private bool IsPaused() => Volatile.Read(ref _paused) != 0 && IsPausedFor(_options.CurrentValue.ApiKey);

    /// <summary>Whether sending stays paused with <paramref name="currentKey"/> configured; a new key lifts the pause.</summary>
    private bool IsPausedFor(string? currentKey)
    {
        if (Volatile.Read(ref _paused) == 0)
        {
            return false;
        }

        if (string.Equals(currentKey ?? string.Empty, Volatile.Read(ref _pausedKey), StringComparison.Ordinal))
        {
            return true;
        }

        if (Interlocked.Exchange(ref _paused, 0) != 0)
        {
            Volatile.Write(ref _keyRejectionLogged, 0);
            ExportLog.ApiKeyChanged(_logger);
        }

        return false;
    }

    private void PauseFor(string? rejectedKey)
    {
        Volatile.Write(ref _pausedKey, rejectedKey ?? string.Empty);
        Volatile.Write(ref _paused, 1);
    }

    private async Task RunLoopAsync()
    {
        var stop = _loopStop.Token;
        while (true)
        {
            try
            {
                await _wake.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var tick = Interlocked.Exchange(ref _tickPending, 0) != 0;
            var resume = Interlocked.Exchange(ref _resumePending, 0) != 0;
            var cycle = Interlocked.Exchange(ref _cyclePending, 0) != 0 || tick;
            try
            {
                // After a failed delivery (backend down, circuit open) only the interval tries again, so an
                // outage costs one attempt per FlushInterval, not one per BatchSize events.
                if (!IsPaused() && (tick || resume || Volatile.Read(ref _degraded) == 0))
                {
                    // Re-arm the batch-size signal before exporting, so events queued meanwhile wake the loop
                    // again. While paused or degraded it stays armed: enqueues then cost no wake-up at all.
                    var batch = Interlocked.Exchange(ref _batchPending, 0) != 0;
                    if (tick || resume || batch)
                    {
                        await ExportFromLoopAsync(all: tick || resume).ConfigureAwait(false);
                    }
                }

                ReportQueueDrops();
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                // Aborted by the shutdown deadline or dispose.
            }
#pragma warning disable CA1031 // the loop never throws: log, count, go on
            catch (Exception ex)
#pragma warning restore CA1031
            {
                RecordInternalError(ex);
            }

            if (cycle && !stop.IsCancellationRequested)
            {
                await RunParticipantsAsync(stop).ConfigureAwait(false);
            }
        }
    }

    private async Task ExportFromLoopAsync(bool all)
    {
        var token = _abort.Token;
        await _exportLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (IsPaused())
            {
                return;
            }

            // On a batch-size wake-up only whole batches go; the rest waits for the interval.
            var queued = _stats.QueueLength;
            var count = all ? queued : queued - (queued % _batchSize);
            if (count > 0)
            {
                await ExportEventsAsync(count, async: true, token).ConfigureAwait(false);
            }
        }
        finally
        {
            _exportLock.Release();
        }
    }

    private Task RequestFlush()
    {
        lock (_flushGate)
        {
            // A flush that has not yet taken the export lock covers this caller's events too: join it.
            if (_pendingFlush is { } pending)
            {
                return pending.Task;
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pendingFlush = completion;
            using (SuppressFlow())
            {
                _ = Task.Run(() => RunFlushAsync(completion));
            }

            return completion.Task;
        }
    }

    private async Task RunFlushAsync(TaskCompletionSource completion)
    {
        var token = _abort.Token;
        try
        {
            await _exportLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                lock (_flushGate)
                {
                    if (ReferenceEquals(_pendingFlush, completion))
                    {
                        _pendingFlush = null;
                    }
                }

                // Events are FIFO: the first `queued` ones include every event queued before any joined caller.
                var queued = _stats.QueueLength;
                if (queued > 0 && !IsPaused())
                {
                    await ExportEventsAsync(queued, async: true, token).ConfigureAwait(false);
                }
            }
            finally
            {
                _exportLock.Release();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            Interlocked.Increment(ref _deliveryFailures);
        }
#pragma warning disable CA1031 // a flush never faults; the caller gets false
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _deliveryFailures);
            RecordInternalError(ex);
        }
        finally
        {
            lock (_flushGate)
            {
                if (ReferenceEquals(_pendingFlush, completion))
                {
                    _pendingFlush = null;
                }
            }

            completion.TrySetResult();
        }
    }

    private async ValueTask DrainAsync(bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await _exportLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _exportLock.Wait(cancellationToken);
        }

        try
        {
            if (_stats.QueueLength > 0 && !IsPaused())
            {
                await ExportEventsAsync(int.MaxValue, async, _abort.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            _exportLock.Release();
        }
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> events from the queue and sends them in batches of at most
    /// <c>BatchSize</c> events and <c>MaxBatchBytes</c> bytes of JSON. Call with the export lock held.
    /// With <paramref name="async"/> false every step is synchronous and the task completes synchronously.
    /// </summary>
    private async ValueTask ExportEventsAsync(int max, bool async, CancellationToken token)
    {
        var options = _options.CurrentValue;
        var batchSize = Math.Max(1, options.BatchSize);
        var maxBytes = Math.Max(MinBatchBytes, options.MaxBatchBytes);
        _writer.BeginPass(options.Environment, maxBytes);
        var remaining = max;
        try
        {
            while (true)
            {
                while (_writer.ReadyCount < batchSize && !_writer.HasCarry && remaining > 0 && _queue.TryDequeue(out var item))
                {
                    remaining--;
                    Interlocked.Decrement(ref _stats.QueueLengthCounter);
                    if (!RunProcessors(item))
                    {
                        continue;
                    }

                    var added = _writer.TryAdd(item, maxBytes, out var eventBytes, out var error);
                    if (added == AddResult.TooLarge)
                    {
                        RecordDropped(rejected: true, 1);
                        if (_debug)
                        {
                            ExportLog.EventTooLarge(_logger, eventBytes, maxBytes);
                        }
                    }
                    else if (added == AddResult.Failed)
                    {
                        RecordDropped(rejected: true, 1);
                        _stats.RecordInternalError();
                        if (_debug)
                        {
                            ExportLog.SerializationFailed(_logger, item.Name, error!);
                        }
                    }
                }

                if (_writer.ReadyCount == 0)
                {
                    return;
                }

                var delivered = await SendRangeAsync(0, _writer.ReadyCount, async, token).ConfigureAwait(false);
                _writer.CompleteReady();

                // A failed delivery ends the pass: what is still queued waits for the next try instead of
                // failing batch after batch against a backend that is down.
                if (!delivered || token.IsCancellationRequested || IsPaused())
                {
                    return;
                }
            }
        }
        finally
        {
            // An event held for the next batch when the pass ends early (shutdown, rejected key) is lost.
            var held = _writer.EndPass();
            if (held > 0)
            {
                RecordDropped(rejected: false, held);
                Interlocked.Increment(ref _deliveryFailures);
            }
        }
    }

    /// <summary>The lifecycle's steps an event still needs (parse, filters, redaction, activity, metrics); counts what they leave out.</summary>
    private bool RunProcessors(ZespanEvent item)
    {
        switch (_steps.Prepare(item))
        {
            case LifecycleOutcome.Export:
                return true;
            case LifecycleOutcome.Filtered:
                _stats.RecordFiltered();
                return false;
            default:
                RecordDropped(rejected: true, 1);
                return false;
        }
    }

    /// <inheritdoc/>
    public void RecordDropped(int count) => RecordDropped(rejected: true, count);

    /// <summary>Sends events <paramref name="from"/> to <paramref name="to"/> of the current batch as one new batch; splits it on 413.</summary>
    /// <returns><see langword="false"/> when a delivery failed (retries ran out, circuit open, key rejected, cancelled).</returns>
    private async ValueTask<bool> SendRangeAsync(int from, int to, bool async, CancellationToken token)
    {
        var count = to - from;
        var dropped = Interlocked.Read(ref _droppedSinceLast);
        var body = _writer.BuildBody(from, to, Guid.NewGuid(), _time.GetUtcNow(), dropped);
        var exportStarted = _time.GetTimestamp();
        var result = await _exporter.SendAsync(body, async, token).ConfigureAwait(false);
        if (Diagnostics.Internal.ZespanDiagnostics.ExportDuration.Enabled)
        {
            Diagnostics.Internal.ZespanDiagnostics.ExportDuration.Record(
                _time.GetElapsedTime(exportStarted).TotalSeconds,
                new KeyValuePair<string, object?>("zespan.export.outcome", result.Outcome.ToString().ToLowerInvariant()));
        }

        _stats.RecordRetries(body.Attempts - 1);

        switch (result.Outcome)
        {
            case IngestOutcome.Accepted:
                // Only what this batch reported is reset; drops counted meanwhile go out with the next one.
                Interlocked.Add(ref _droppedSinceLast, -dropped);
                _stats.RecordExported(count, _time.GetUtcNow());
                Volatile.Write(ref _degraded, 0);
                return true;

            case IngestOutcome.TooLarge when count > 1:
                ExportLog.BatchSplit(_logger, count);
                var middle = from + (count / 2);
                var first = await SendRangeAsync(from, middle, async, token).ConfigureAwait(false);
                if (token.IsCancellationRequested || IsPaused())
                {
                    FailBatch(to - middle);
                    return false;
                }

                var second = await SendRangeAsync(middle, to, async, token).ConfigureAwait(false);
                return first && second;

            case IngestOutcome.TooLarge:
                RecordDropped(rejected: true, 1);
                _stats.RecordExportFailure();
                if (_debug)
                {
                    ExportLog.LoneEventTooLarge(_logger, body.UncompressedLength);
                }

                return true;

            case IngestOutcome.Rejected:
                RecordDropped(rejected: true, count);
                _stats.RecordExportFailure();
                if (Interlocked.Exchange(ref _rejectionLogged, 1) == 0 || _debug)
                {
                    ExportLog.BatchRejected(_logger, count, result.StatusCode, result.ErrorType, result.ErrorMessage);
                }

                return true;

            case IngestOutcome.KeyRejected:
                PauseFor(body.ApiKey);
                FailBatch(count);
                if (Interlocked.Exchange(ref _keyRejectionLogged, 1) == 0)
                {
                    ExportLog.ApiKeyRejected(_logger, result.StatusCode);
                }

                return false;

            default:
                FailBatch(count);
                Volatile.Write(ref _degraded, 1);
                if (_debug)
                {
                    ExportLog.BatchFailed(_logger, count, body.Attempts, result.StatusCode, result.Reason, result.Error);
                }

                return false;
        }
    }

    private void FailBatch(int count)
    {
        RecordDropped(rejected: false, count);
        _stats.RecordExportFailure();
        Interlocked.Increment(ref _deliveryFailures);
    }

    private void RecordDropped(bool rejected, int count)
    {
        Interlocked.Add(ref _droppedSinceLast, count);
        if (rejected)
        {
            _stats.RecordDroppedRejected(count);
        }
        else
        {
            _stats.RecordDroppedFailedDelivery(count);
        }
    }

    private async Task RunParticipantsAsync(CancellationToken cancellationToken)
    {
        var participants = _participants;
        if (participants.Length == 0)
        {
            return;
        }

        try
        {
            await _cycleLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            foreach (var participant in participants)
            {
                try
                {
                    await participant.OnFlushCycleAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // one participant's failure never stops the others or the loop
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _stats.RecordInternalError();
                    if (_debug)
                    {
                        ExportLog.ParticipantFailed(_logger, participant.GetType().Name, ex);
                    }
                }
            }
        }
        finally
        {
            _cycleLock.Release();
        }
    }

    private void ReportQueueDrops()
    {
        var total = _stats.EventsDroppedQueueFull;
        var reported = Interlocked.Exchange(ref _reportedQueueDrops, total);
        if (total > reported && _debug)
        {
            ExportLog.QueueFull(_logger, _maxQueueSize, total - reported);
        }
    }

    private void RecordInternalError(Exception ex)
    {
        _stats.RecordInternalError();
        if (_debug)
        {
            try
            {
                ExportLog.LoopFailed(_logger, ex);
            }
#pragma warning disable CA1031 // a disposed logger must not turn a logged failure into a thrown one
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
