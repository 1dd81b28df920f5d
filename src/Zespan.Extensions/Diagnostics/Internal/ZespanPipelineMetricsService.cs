using Microsoft.Extensions.Hosting;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// Creates <see cref="ZespanPipelineMetrics"/> when the host starts (a hosted service is built with the host's
/// start), so the pipeline's observable instruments exist before the first collection, whether or not anything
/// else resolved them.
/// </summary>
internal sealed class ZespanPipelineMetricsService : IHostedService
{
    /// <param name="metrics">The pipeline's observable instruments; taking them is what creates them.</param>
    public ZespanPipelineMetricsService(ZespanPipelineMetrics metrics) => _ = metrics;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
