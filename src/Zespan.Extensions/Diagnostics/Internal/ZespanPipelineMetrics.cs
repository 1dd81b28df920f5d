using System.Diagnostics.Metrics;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// The export pipeline's own instruments, observed from <see cref="ExportStatistics"/> (nothing is done per
/// event): a meter named <c>Zespan</c> from the app's <see cref="IMeterFactory"/> when there is one (so it is
/// disposed with the container and per-container in tests), else one this object owns.
/// </summary>
internal sealed class ZespanPipelineMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ZespanPipelineMetrics(ExportStatistics stats, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(stats);
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(new MeterOptions(ZespanDiagnostics.Name) { Version = ZespanDiagnostics.Meter.Version });
        }
        else
        {
            _meter = new Meter(ZespanDiagnostics.Name, ZespanDiagnostics.Meter.Version);
            _ownsMeter = true;
        }

        _meter.CreateObservableCounter("zespan.events.queued", () => stats.EventsEnqueued, "{event}", "Events handed to the export queue.");
        _meter.CreateObservableCounter("zespan.events.exported", () => stats.EventsExported, "{event}", "Events accepted by the Zespan backend.");
        _meter.CreateObservableCounter(
            "zespan.events.dropped",
            () => new[]
            {
                new Measurement<long>(stats.EventsDroppedQueueFull, new KeyValuePair<string, object?>("zespan.drop.reason", "queue_full")),
                new Measurement<long>(stats.EventsDroppedFailedDelivery, new KeyValuePair<string, object?>("zespan.drop.reason", "failed_delivery")),
                new Measurement<long>(stats.EventsDroppedRejected, new KeyValuePair<string, object?>("zespan.drop.reason", "rejected")),
            },
            "{event}",
            "Events lost: queue full, delivery failed after retries, or rejected by the backend.");
        _meter.CreateObservableCounter("zespan.export.failures", () => stats.ExportFailures, "{batch}", "Batch exports that failed.");
        _meter.CreateObservableCounter("zespan.export.retries", () => stats.Retries, "{retry}", "Retries of batch exports.");
        _meter.CreateObservableUpDownCounter("zespan.queue.length", () => (long)stats.QueueLength, "{event}", "Events waiting to be exported.");
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
