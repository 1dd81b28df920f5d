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
            () => Dropped(stats),
            "{event}",
            "Events lost, by zespan.drop.reason: queue_full, memory_budget, key_rejected, rejected, too_large, processing_failed, offline_full, offline_corrupt, shutdown. Transient failures lose nothing.");
        _meter.CreateObservableCounter("zespan.events.truncated", () => stats.EventsTruncated, "{event}", "Events cut to fit Zespan:MaxEventBytes and sent marked truncated.");
        _meter.CreateObservableCounter("zespan.batches.retained", () => stats.BatchesRetained, "{batch}", "Batches kept to be sent again after a transient failure or a rejected key.");
        _meter.CreateObservableCounter("zespan.batches.stored", () => stats.BatchesStored, "{batch}", "Batches written to offline storage.");
        _meter.CreateObservableUpDownCounter("zespan.queue.bytes", () => stats.HeldBytes, "By", "Bytes held by waiting events and batches (bounded by Zespan:MaxQueueBytes).");
        _meter.CreateObservableCounter("zespan.export.failures", () => stats.ExportFailures, "{batch}", "Batch exports that failed.");
        _meter.CreateObservableCounter("zespan.export.retries", () => stats.Retries, "{retry}", "Retries of batch exports.");
        _meter.CreateObservableUpDownCounter("zespan.queue.length", () => (long)stats.QueueLength, "{event}", "Events waiting to be exported.");
    }

    private static Measurement<long>[] Dropped(ExportStatistics stats)
    {
        var reasons = DropReasons.All;
        var measurements = new Measurement<long>[reasons.Length];
        for (var i = 0; i < reasons.Length; i++)
        {
            measurements[i] = new Measurement<long>(stats.Dropped(reasons[i]), new KeyValuePair<string, object?>("zespan.drop.reason", DropReasons.Name(reasons[i])));
        }

        return measurements;
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
