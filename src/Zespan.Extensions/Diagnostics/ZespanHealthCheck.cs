using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// Reports the export pipeline's health: degraded (by default; <c>failureStatus</c> chooses) while exports
/// fail, the queue is more than half full, or the key is rejected. Telemetry trouble should not get pods
/// restarted, so it is never unhealthy unless asked to be. Its data tell what waits: events queued (<c>backlog</c>), the
/// bytes they hold, and the batches kept to be sent again, in memory and in offline storage.
/// </summary>
internal sealed class ZespanHealthCheck(IServiceProvider services, IOptionsMonitor<ZespanOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = options.CurrentValue;
        if (!current.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Zespan is disabled."));
        }

        var stats = (ExportStatistics?)services.GetService(typeof(ExportStatistics));
        var gate = (DeliveryGate?)services.GetService(typeof(DeliveryGate));
        var kept = (DeliveryBacklog?)services.GetService(typeof(DeliveryBacklog));
        if (stats is null)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Zespan has not exported anything yet."));
        }

        var backlog = stats.QueueLength;
        var dropped = stats.EventsDroppedQueueFull + stats.EventsDroppedFailedDelivery + stats.EventsDroppedRejected;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["backlog"] = backlog,
            ["max_queue_size"] = current.MaxQueueSize,
            ["held_bytes"] = stats.HeldBytes,
            ["max_queue_bytes"] = current.MaxQueueBytes,
            ["kept_batches"] = kept?.MemoryCount ?? 0,
            ["kept_events"] = kept?.MemoryEvents ?? 0,
            ["offline_batches"] = kept?.Store.StoredCount ?? 0,
            ["dropped"] = dropped,
            ["exported"] = stats.EventsExported,
            ["export_failures"] = stats.ExportFailures,
            ["last_success"] = stats.LastSuccessTime?.ToString("O", CultureInfo.InvariantCulture) ?? "never",
        };
        var problems = new List<string>();
        if (gate?.IsPausedForRejectedKey == true)
        {
            problems.Add("the Zespan backend rejected the API key; sending is paused until Zespan:ApiKey changes");
        }

        if (stats.Failing)
        {
            problems.Add("exports to the Zespan backend are failing");
        }

        if (backlog > current.MaxQueueSize / 2)
        {
            problems.Add($"the export queue is more than half full ({backlog} of {current.MaxQueueSize})");
        }

        if (problems.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Zespan exports are flowing.", data));
        }

        return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "Zespan: " + string.Join("; ", problems) + ".", data: data));
    }
}
