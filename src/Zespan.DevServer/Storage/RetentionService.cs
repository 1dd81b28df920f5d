using Microsoft.Extensions.Hosting;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Storage;

/// <summary>Applies <see cref="Retention"/> once a minute, so traces age out while nothing is ingested. Never throws: a failure is logged and the loop goes on.</summary>
internal sealed class RetentionService(EventStore store, Retention retention, TimeProvider timeProvider, DevServerLogger logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await retention.EnforceAsync(store, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.RetentionFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }
}
