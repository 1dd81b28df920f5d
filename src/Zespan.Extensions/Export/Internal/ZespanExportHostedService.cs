using Microsoft.Extensions.Hosting;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Runs the export worker with the host: starts its loop when the host starts and drains the queue once every
/// hosted service has stopped (<see cref="IHostedLifecycleService.StoppedAsync"/>), so events recorded while the
/// web server finishes its last requests are still delivered. A no-op when Zespan is disabled (the worker is
/// then never created).
/// </summary>
internal sealed class ZespanExportHostedService(IZespanClient client) : IHostedLifecycleService
{
    private readonly ExportWorker? _worker = (client as ZespanClient)?.Worker;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _worker?.Start();
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) =>
        _worker?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
