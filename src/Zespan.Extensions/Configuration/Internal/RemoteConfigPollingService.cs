using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Decides when remote configuration is polled, on a timer of its own: one bounded fetch when the host starts (at
/// most <c>RequestTimeout</c>, so remotely enabled guardrails and overrides hold from the first call; a backend that
/// does not answer never fails the start), then one poll every <c>FlushInterval</c> from the injected
/// <see cref="TimeProvider"/> (a reloaded interval applies from the next tick). The fetching itself, with its ETag
/// and backoff, is <see cref="RemoteConfigPoller"/>'s. Nothing runs, and no HTTP client is created, when Zespan is
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

    /// <summary>Fetches once (bounded), then starts the polling loop; returns at once when there is nothing to poll.</summary>
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

        _poller = poller;
        Task started;
        using (SuppressFlow())
        {
            started = base.StartAsync(cancellationToken);
        }

        await started.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poller = _poller;
        if (poller is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(EffectiveOptions.FlushInterval(options.CurrentValue), timeProvider);
        using var subscription = options.OnChange((changed, name) => OnOptionsChanged(timer, changed, name));
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
