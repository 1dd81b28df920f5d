using Microsoft.Extensions.Hosting;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Runs the export pipeline with the host: starts the background loop when the host starts and drains the
/// queue once every hosted service has stopped (<see cref="IHostedLifecycleService.StoppedAsync"/>), so events
/// recorded while the web server finishes its last requests are still delivered. A no-op when Zespan is disabled.
/// </summary>
internal sealed class ZespanExportHostedService(IZespanClient client) : IHostedLifecycleService
{
    private readonly ZespanExportPipeline? _pipeline = client as ZespanExportPipeline;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _pipeline?.Start();
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) =>
        _pipeline?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
