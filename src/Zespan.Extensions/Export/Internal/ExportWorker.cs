using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Runs the export: when to send and for how long. A background loop wakes when <c>BatchSize</c> events wait, on
/// the <c>FlushInterval</c> timer (from the injected <see cref="TimeProvider"/>) and when a rejected key is
/// replaced; <see cref="FlushAsync"/> joins a pending flush; <see cref="StopAsync"/> drains at host stop and the
/// <see cref="AppDomain.ProcessExit"/> handler drains synchronously, both within <c>ShutdownTimeout</c>. Each export
/// pass takes events from the <see cref="BoundedEventQueue"/>, prepares each through the
/// <see cref="IEventPreparer"/> and hands it to the <see cref="BatchSender"/>. One pass runs at a time
/// (<c>_exportLock</c>), so the loop, concurrent flushes and a drain never send an event twice or lose one. With
/// offline storage, a pass waiting for an answer lets its <see cref="QueueSpiller"/> move queued events to disk when the
/// memory budget passes half, and sends those stored batches before going on with the queue.
/// </summary>
/// <remarks>
/// The loop, flushes and timers start with execution-context flow suppressed: they join no request's trace,
/// capture no <see cref="AsyncLocal{T}"/> and see no <see cref="Activity.Current"/>.
/// </remarks>
internal sealed class ExportWorker : IEventQueueConsumer, IDisposable, IAsyncDisposable
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Stopped = 2;
    private const int Disposed = 3;

    private readonly BoundedEventQueue _queue;
    private readonly IEventPreparer _preparer;
    private readonly BatchSender _sender;
    private readonly QueueSpiller? _spiller;
    private readonly DeliveryGate _gate;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExportStatistics _stats;
    private readonly SemaphoreSlim _exportLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _loopStop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _lifecycle = new();
    private readonly Lock _flushGate = new();
    private readonly EventHandler _processExitHandler;
    private readonly Action _resumeHandler;
    private readonly IDisposable? _optionsSubscription;

    private int _state;
    private bool _hostStopped;
    private ITimer? _timer;
    private Task _loop = Task.CompletedTask;
    private TaskCompletionSource? _pendingFlush;

    // Settings cached from the options (read on the hot path), refreshed by IOptionsMonitor.OnChange.
    private int _batchSize;
    private bool _debug;
    private readonly bool _storeConfigured;
    private TimeSpan _flushInterval;

    // Wake-up reasons of the loop; each is set once before one release of _wake.
    private int _batchPending;
    private int _tickPending;
    private int _resumePending;
    private int _pressurePending;
    private int _recoverPending;

    // Flushes that ended without finishing (cancelled, or an unexpected error); the sender counts failed deliveries.
    private long _abandonedFlushes;

    public ExportWorker(
        BoundedEventQueue queue,
        IEventPreparer preparer,
        BatchSender sender,
        DeliveryGate gate,
        IOptionsMonitor<ZespanOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        ExportStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(preparer);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(statistics);
        _queue = queue;
        _preparer = preparer;
        _sender = sender;
        _gate = gate;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("Zespan");
        _stats = statistics;
        _processExitHandler = OnProcessExit;
        _resumeHandler = OnResumed;
        ApplyOptions(options.CurrentValue);
        _optionsSubscription = options.OnChange(OnOptionsChanged);
        _gate.Resumed += _resumeHandler;
        _storeConfigured = _sender.Backlog.Store.IsConfigured;
        if (_storeConfigured)
        {
            // Only with offline storage: the spiller's batch writer holds pooled buffers of its own.
            _spiller = new QueueSpiller(queue, preparer, sender.CreateStoreOnly(), statistics);
            _sender.AttachSpiller(_spiller);
        }

        _queue.SetConsumer(this);
    }

    /// <summary>Raised each time the loop has handled a <c>FlushInterval</c> tick (so tests that drive time know it ran).</summary>
    internal event Action? TickHandled;

    /// <summary>Completes once no export pass runs (signalled by the export lock; for tests that must not send to find out).</summary>
    internal async Task WaitForExportIdleAsync()
    {
        await _exportLock.WaitAsync().ConfigureAwait(false);
        _exportLock.Release();
    }

    /// <summary>Gets the queue this worker empties (what <see cref="IZespanEventQueue"/> resolves to).</summary>
    public BoundedEventQueue Queue => _queue;

    private TimeSpan ShutdownTimeout => EffectiveOptions.ShutdownTimeout(_options.CurrentValue);

    private long Failures => _sender.DeliveryFailures + Interlocked.Read(ref _abandonedFlushes);

    /// <summary>Gets the batches waiting to be sent again (for tests and the health check).</summary>
    internal DeliveryBacklog Backlog => _sender.Backlog;

    /// <summary>Gets what moves waiting events to disk while a request is in flight (for tests); none without offline storage.</summary>
    internal QueueSpiller? Spiller => _spiller;

    private OfflineBatchStore Store => _sender.Backlog.Store;

    /// <summary>Gets a value indicating whether nothing waits: no event queued, no batch kept, no export in flight.</summary>
    private bool IsIdle => _queue.Count == 0 && _exportLock.CurrentCount == 1 && Backlog.IsEmpty;

    /// <inheritdoc/>
    public void OnEnqueued(int queueLength)
    {
        if (Volatile.Read(ref _state) == NotStarted)
        {
            Start();
        }

        if (queueLength >= _batchSize && Volatile.Read(ref _batchPending) == 0 && Interlocked.Exchange(ref _batchPending, 1) == 0)
        {
            _wake.Release();
        }

        if (_storeConfigured)
        {
            // Half the byte budget is used while a request is in flight: the pass waiting for it moves what waits to disk.
            _spiller?.OnEnqueued();

            // The backend cannot take events now and half the byte budget is used: move what waits to disk (field reads only).
            if ((_gate.IsDegraded || _gate.IsPaused) && _queue.Budget is { IsUnderPressure: true }
                && Volatile.Read(ref _pressurePending) == 0 && Interlocked.Exchange(ref _pressurePending, 1) == 0)
            {
                _wake.Release();
            }
        }
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
                    _timer = _time.CreateTimer(static s => ((ExportWorker)s!).OnTick(), this, _flushInterval, _flushInterval);
                    _loop = Task.Run(RunLoopAsync);
                }

                if (_storeConfigured)
                {
                    // Batches stored by an earlier run (or another process) go out first, without waiting for an interval.
                    Volatile.Write(ref _recoverPending, 1);
                    _wake.Release();
                }

                AppDomain.CurrentDomain.ProcessExit += _processExitHandler;
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

    /// <summary>
    /// Sends what was queued before the call. Returns <see langword="true"/> when all of it was accepted or
    /// permanently rejected, <see langword="false"/> when time ran out (<c>ShutdownTimeout</c>, or the token), a
    /// delivery failed meanwhile, or sending is paused. Never throws.
    /// </summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (Volatile.Read(ref _state) == Disposed)
            {
                return _queue.Count == 0;
            }

            var failuresBefore = Failures;
            if (_gate.IsPausedForRejectedKey && !(_storeConfigured && _queue.Count > 0))
            {
                return false;
            }

            // Nothing queued, nothing kept and no export in flight: every earlier event has met its fate already.
            if (IsIdle)
            {
                return true;
            }

            var flush = RequestFlush();
            await flush.WaitAsync(ShutdownTimeout, _time, cancellationToken).ConfigureAwait(false);
            return Failures == failuresBefore && !_gate.IsPausedForRejectedKey;
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
        using var abortAtDeadline = linked.Token.Register(static s => ((ExportWorker)s!).Abort(), this);
        try
        {
            await DrainAsync(async: true, linked.Token).ConfigureAwait(false);
            await _loop.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The deadline passed: what is left stays counted in the queue length, or goes to disk below.
        }
#pragma warning disable CA1031 // shutdown never throws into the host
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }

        await StoreLeftoversAsync().ConfigureAwait(false);
        var left = _queue.Count + Backlog.MemoryEvents;
        if (left > 0 && _debug)
        {
            ExportLog.UndeliveredAtShutdown(_logger, left);
        }
    }

    /// <summary>
    /// The <see cref="AppDomain.ProcessExit"/> handler's work: when no host stopped the worker, sends what is
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
            if (IsIdle)
            {
                return;
            }

            using (var deadline = new CancellationTokenSource(ShutdownTimeout, _time))
            using (deadline.Token.Register(static s => ((ExportWorker)s!).Abort(), this))
            {
                var drain = DrainAsync(async: false, deadline.Token);
                Debug.Assert(drain.IsCompleted, "The synchronous drain completes synchronously.");
                drain.GetAwaiter().GetResult();
            }
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

        try
        {
            var store = StoreLeftoversAsync(async: false);
            Debug.Assert(store.IsCompleted, "Storing synchronously completes synchronously.");
            store.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
#pragma warning disable CA1031 // a process-exit handler must not throw
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }
    }

    /// <summary>
    /// Unhooks <see cref="AppDomain.ProcessExit"/>, stops the timer and the loop and cancels a request in flight; sends
    /// nothing. With offline storage, what is still in memory is written to disk first (within <c>ShutdownTimeout</c>);
    /// what is left is counted as lost (<see cref="DropReason.Shutdown"/>). The queue refuses events from now on.
    /// </summary>
    public void Dispose()
    {
        if (!BeginDispose())
        {
            return;
        }

        try
        {
            var store = StoreLeftoversAsync(async: false);
            Debug.Assert(store.IsCompleted, "Storing synchronously completes synchronously.");
            store.GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // dispose never throws
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }

        FinishDispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose())
        {
            try
            {
                await StoreLeftoversAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // dispose never throws
            catch (Exception ex)
#pragma warning restore CA1031
            {
                RecordInternalError(ex);
            }

            FinishDispose();
        }

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

    /// <summary>The first step of dispose: no more timer, loop, flush or request in flight.</summary>
    /// <returns>False when already disposed.</returns>
    private bool BeginDispose()
    {
        lock (_lifecycle)
        {
            if (_state == Disposed)
            {
                return false;
            }

            _state = Disposed;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;
        _gate.Resumed -= _resumeHandler;
        _optionsSubscription?.Dispose();
        _timer?.Dispose();
        _loopStop.Cancel();

        // A request in flight ends now; its batch is kept (on disk, with offline storage).
        Abort();
        return true;
    }

    /// <summary>The last step of dispose: closes the queue and counts what is still in memory as lost.</summary>
    private void FinishDispose()
    {
        _spiller?.Dispose();

        // Counted, not reported: no batch will carry it.
        var left = _queue.Close();
        _stats.RecordDropped(DropReason.Shutdown, left);

        // No export starts after this: the lock stays taken (an aborted export still in flight keeps it, and the
        // sender gives its buffers back when that pass ends). Batches kept in memory are lost with the process.
        if (_exportLock.Wait(0))
        {
            left += Backlog.DropAll();
        }

        if (left > 0 && _debug)
        {
            ExportLog.UndeliveredAtShutdown(_logger, left);
        }
    }

    /// <summary>Rounds a wait up to whole milliseconds (timers count in them), so the gate is open when it ends.</summary>
    private static TimeSpan WholeMilliseconds(TimeSpan wait) =>
        wait <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));

    private static AsyncFlowControl? SuppressFlow() =>
        ExecutionContext.IsFlowSuppressed() ? null : ExecutionContext.SuppressFlow();

    private void ApplyOptions(ZespanOptions options)
    {
        _batchSize = Math.Max(1, options.BatchSize);
        _debug = options.Debug;
        var interval = EffectiveOptions.FlushInterval(options);
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
        }
#pragma warning disable CA1031 // an options listener must not throw into the configuration reload
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }
    }

    private void OnResumed()
    {
        try
        {
            if (Interlocked.Exchange(ref _resumePending, 1) == 0)
            {
                _wake.Release();
            }
        }
#pragma warning disable CA1031 // raised from whichever thread saw the new key: it must not throw there
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
            var recover = Interlocked.Exchange(ref _recoverPending, 0) != 0;
            if (recover)
            {
                Store.Open();
            }

            var pressure = Interlocked.Exchange(ref _pressurePending, 0) != 0;
            var all = tick || resume || recover || pressure;
            var trigger = resume ? ExportTrigger.KeyChanged : all ? ExportTrigger.Interval : ExportTrigger.BatchReady;
            try
            {
                // After a failed delivery (backend down, 429 storm, circuit open) the gate lets only the interval try
                // again, and not before the Retry-After or backoff: an outage costs one attempt per FlushInterval at most.
                if (_gate.MaySend(trigger))
                {
                    // Re-arm the batch-size signal before exporting, so events queued meanwhile wake the loop
                    // again. While paused or degraded it stays armed: enqueues then cost no wake-up at all.
                    var batch = Interlocked.Exchange(ref _batchPending, 0) != 0;
                    if (all || batch)
                    {
                        await ExportFromLoopAsync(all).ConfigureAwait(false);
                    }
                }
                else if (Store.IsAvailable && (all || Volatile.Read(ref _batchPending) != 0))
                {
                    // The backend cannot take events now: what waits goes to disk, so a crash loses nothing.
                    var batch = Interlocked.Exchange(ref _batchPending, 0) != 0;
                    await StoreFromLoopAsync(all || !batch).ConfigureAwait(false);
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

            if (tick)
            {
                RaiseTickHandled();
            }
        }
    }

    private async Task ExportFromLoopAsync(bool all)
    {
        var token = _abort.Token;
        await _exportLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_gate.IsPausedForRejectedKey)
            {
                return;
            }

            // On a batch-size wake-up only whole batches go; the rest waits for the interval.
            var queued = _queue.Count;
            var count = all ? queued : queued - (queued % _batchSize);
            if (count > 0 || !Backlog.IsEmpty)
            {
                await ExportAsync(count, async: true, token).ConfigureAwait(false);
            }
        }
        finally
        {
            _exportLock.Release();
        }
    }

    /// <summary>While the backend cannot take events: batches what is queued and writes it to offline storage.</summary>
    private async Task StoreFromLoopAsync(bool all)
    {
        await _exportLock.WaitAsync(_abort.Token).ConfigureAwait(false);
        try
        {
            var queued = _queue.Count;
            var count = all ? queued : queued - (queued % _batchSize);
            StoreCore(count);
        }
        finally
        {
            _exportLock.Release();
        }
    }

    /// <summary>
    /// Moves what waits in memory to offline storage when it works: the batches kept in memory, then up to
    /// <paramref name="max"/> queued events, batched. Local work only: no request, no cancellation. Call with the export lock held.
    /// </summary>
    private void StoreCore(int max)
    {
        if (!Store.IsAvailable || !_sender.TryBeginPass())
        {
            return;
        }

        try
        {
            Backlog.MoveToDisk();
            var remaining = max;
            while (remaining > 0 && Store.IsAvailable)
            {
                while (_sender.CanTakeMore && remaining > 0 && _queue.TryDequeue(out var item))
                {
                    remaining--;
                    Prepare(item);
                }

                if (!_sender.HasReady)
                {
                    return;
                }

                _sender.StoreReady();
            }
        }
        finally
        {
            _sender.EndPass();
        }
    }

    /// <summary>At host stop or process exit after the drain, and at dispose: writes what is still in memory to offline storage (when set).</summary>
    private async ValueTask StoreLeftoversAsync(bool async = true)
    {
        if (!_storeConfigured || (_queue.Count == 0 && Backlog.MemoryCount == 0))
        {
            return;
        }

        // The drain has ended (or was aborted at its deadline, so an export still in flight ends promptly).
        using var bound = new CancellationTokenSource(ShutdownTimeout, _time);
        try
        {
            if (async)
            {
                await _exportLock.WaitAsync(bound.Token).ConfigureAwait(false);
            }
            else
            {
                _exportLock.Wait(bound.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            StoreCore(int.MaxValue);
        }
#pragma warning disable CA1031 // shutdown never throws into the host
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
        }
        finally
        {
            _exportLock.Release();
        }
    }

    /// <summary>Prepares a dequeued event and adds it to the current batch; one left out gives its bytes back.</summary>
    private void Prepare(Zespan.Extensions.Events.Internal.ZespanEvent item)
    {
        if (_preparer.Prepare(item))
        {
            _sender.Add(item);
        }
        else
        {
            _queue.Release(item);
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
            // After a failed delivery no send happens before the gate's Retry-After or backoff: wait for it when the
            // caller's wait (ShutdownTimeout) may see it; otherwise this flush cannot deliver and says so.
            var wait = WholeMilliseconds(_gate.RetryDelay);
            if (wait > TimeSpan.Zero && wait < ShutdownTimeout && !_gate.IsPaused)
            {
                await Task.Delay(wait, _time, token).ConfigureAwait(false);
            }

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

                // Events are FIFO: the first `queued` ones include every event queued before any joined caller; kept
                // batches are older still and go first.
                var queued = _queue.Count;
                if ((queued > 0 || !Backlog.IsEmpty) && _gate.MaySend(ExportTrigger.Flush))
                {
                    await ExportAsync(queued, async: true, token).ConfigureAwait(false);
                }
                else if (queued > 0 || !Backlog.IsEmpty)
                {
                    // The backend cannot take it now (paused, or a Retry-After beyond the wait): not delivered, but with
                    // offline storage what was queued is on disk when the flush returns.
                    Interlocked.Increment(ref _abandonedFlushes);
                    StoreCore(queued);
                }
            }
            finally
            {
                _exportLock.Release();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            Interlocked.Increment(ref _abandonedFlushes);
        }
#pragma warning disable CA1031 // a flush never faults; the caller gets false
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _abandonedFlushes);
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
            // Wait out a Retry-After or backoff that ends before the deadline (the synchronous drain cannot wait).
            var wait = WholeMilliseconds(_gate.RetryDelay);
            if (async && wait > TimeSpan.Zero && wait < ShutdownTimeout)
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }

            if ((_queue.Count > 0 || !Backlog.IsEmpty) && _gate.MaySend(ExportTrigger.Drain))
            {
                await ExportAsync(int.MaxValue, async, _abort.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            _exportLock.Release();
        }
    }

    /// <summary>
    /// One export pass: takes up to <paramref name="max"/> events from the queue, prepares each, and has the sender
    /// batch and deliver them until the queue part is sent or the sender says stop. Call with the export lock held.
    /// With <paramref name="async"/> false every step is synchronous and the task completes synchronously.
    /// </summary>
    private async ValueTask ExportAsync(int max, bool async, CancellationToken token)
    {
        if (!_sender.TryBeginPass())
        {
            return;
        }

        // Events the spiller moved to disk while a request was in flight (see QueueSpiller) came from the front of the
        // queue: they count against this pass's share, and the batches they went to are owed before anything newer.
        var remaining = max;
        var owed = 0;
        try
        {
            // Kept batches are older than anything queued: they go first, and a failure stops the pass there.
            var sending = await _sender.SendBacklogAsync(async, token).ConfigureAwait(false);
            Account(ref remaining, ref owed);
            if (!sending)
            {
                if (!Store.IsAvailable)
                {
                    return;
                }

                Backlog.MoveToDisk();
            }

            while (true)
            {
                if (sending && owed > 0)
                {
                    // What was spilled is older than what is still queued (and a batch the writer holds older still): the
                    // stored batches go next, oldest first, up to the number owed. True means none of them is left.
                    bool open;
                    if (_sender.HasReady)
                    {
                        open = await _sender.SendReadyAsync(async, token).ConfigureAwait(false);
                    }
                    else
                    {
                        open = await _sender.SendBacklogAsync(async, token, owed).ConfigureAwait(false);
                        if (open)
                        {
                            owed = 0;
                        }
                    }

                    Account(ref remaining, ref owed);
                    if (!open)
                    {
                        if (!Store.IsAvailable)
                        {
                            return;
                        }

                        sending = false;
                        Backlog.MoveToDisk();
                    }

                    continue;
                }

                while (_sender.CanTakeMore && remaining > 0 && _queue.TryDequeue(out var item))
                {
                    remaining--;
                    Prepare(item);
                }

                if (!_sender.HasReady)
                {
                    return;
                }

                if (!sending)
                {
                    // The backend cannot take events now and offline storage is set: the rest of this pass goes to disk.
                    _sender.StoreReady();
                    continue;
                }

                var delivered = await _sender.SendReadyAsync(async, token).ConfigureAwait(false);
                Account(ref remaining, ref owed);
                if (!delivered)
                {
                    if (!Store.IsAvailable)
                    {
                        return;
                    }

                    sending = false;
                    Backlog.MoveToDisk();
                }
            }
        }
        finally
        {
            if (owed > 0)
            {
                // Spilled events of this pass's share are still waiting: a flush that waited for them cannot say they went.
                _sender.RecordHeld();
            }

            _sender.EndPass();
        }
    }

    /// <summary>Takes what the spiller moved to disk during the last send into the pass's account.</summary>
    private void Account(ref int remaining, ref int owed)
    {
        if (_spiller is null)
        {
            return;
        }

        var batches = _spiller.TakeSpilled(out var events);
        if (batches == 0 && events == 0)
        {
            return;
        }

        if (remaining > 0)
        {
            owed += batches;
            remaining = Math.Max(0, remaining - events);
        }
    }

    private void ReportQueueDrops()
    {
        var count = _queue.TakeUnreportedDrops();
        if (count > 0 && _debug)
        {
            ExportLog.QueueFull(_logger, _queue.Capacity, count);
        }
    }

    private void RaiseTickHandled()
    {
        try
        {
            TickHandled?.Invoke();
        }
#pragma warning disable CA1031 // an observer never stops the loop
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RecordInternalError(ex);
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
