using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Decides when remote configuration is polled, on a timer of its own: one bounded fetch when the host starts (at
/// most <c>RequestTimeout</c>, so remotely enabled guardrails and overrides hold from the first call; a backend that
/// does not answer never fails the start), then one poll every <c>FlushInterval</c> from the injected
/// <see cref="TimeProvider"/> (a reloaded interval applies from the next tick). The fetching itself, with its ETag
/// and backoff, is <see cref="RemoteConfigPoller"/>'s. Nothing runs, and the poller is not even resolved, when Zespan is
/// disabled or <c>DisableConfigSync</c> is set when the host starts.
/// </summary>
/// <remarks>
/// The loop and its timer start with execution-context flow suppressed, like the export worker's. The loop never
/// throws: the poller logs and counts its own failures.
/// </remarks>
internal sealed class RemoteConfigPollingService(
    IServiceProvider services,
    IOptionsMonitor<ZespanOptions> options,
    TimeProvider timeProvider) : BackgroundService
{
    private RemoteConfigPoller? _poller;
    private PeriodicTimer? _timer;
    private IDisposable? _optionsSubscription;

    /// <summary>
    /// Fetches once (bounded), then starts the timer and the polling loop; returns at once when there is nothing
    /// to poll. The timer exists when this returns, so the first tick is one <c>FlushInterval</c> after the start.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        if (!current.Enabled || current.DisableConfigSync)
        {
            return;
        }

        var poller = services.GetRequiredService<RemoteConfigPoller>();
        using (var bound = new CancellationTokenSource(current.RequestTimeout, timeProvider))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken))
        {
            await poller.RefreshAsync(linked.Token).ConfigureAwait(false);
        }

        Task started;
        using (SuppressFlow())
        {
            _poller = poller;
            _timer = new PeriodicTimer(EffectiveOptions.FlushInterval(options.CurrentValue), timeProvider);
            var timer = _timer;
            _optionsSubscription = options.OnChange((changed, name) => OnOptionsChanged(timer, changed, name));
            started = base.StartAsync(cancellationToken);
        }

        await started.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _optionsSubscription?.Dispose();
        _timer?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poller = _poller;
        var timer = _timer;
        if (poller is null || timer is null)
        {
            return;
        }

        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await poller.PollAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        finally
        {
            _optionsSubscription?.Dispose();
            timer.Dispose();
        }
    }

    private static AsyncFlowControl? SuppressFlow() =>
        ExecutionContext.IsFlowSuppressed() ? null : ExecutionContext.SuppressFlow();

    private static void OnOptionsChanged(PeriodicTimer timer, ZespanOptions options, string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        var interval = EffectiveOptions.FlushInterval(options);
        try
        {
            if (timer.Period != interval)
            {
                timer.Period = interval;
            }
        }
        catch (ObjectDisposedException)
        {
            // The loop ended while the options changed.
        }
    }
}
