using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Export.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

public class ExporterSeamTests
{
    [Fact]
    public async Task AddZespan_DecoratingExporterRegistered_EveryBatchPassesThroughIt()
    {
        RecordingExporter? recorder = null;
        await using var h = await ZespanTestHost.StartExportAsync(
            new() { ["BatchSize"] = "3" },
            s => s.AddSingleton<IZespanExporter>(sp => recorder = new RecordingExporter(sp.GetRequiredService<IngestExporter>())));
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(413));

        h.EnqueueAll(TestEvents.Many(7));
        Assert.True(await h.Client.FlushAsync());
        h.EnqueueAll(TestEvents.Many(2, "drained"));
        await h.Host.StopAsync();

        Assert.NotNull(recorder);
        Assert.Equal(h.Ingests.Select(r => r.Header("Idempotency-Key")), recorder.BatchIds);
        Assert.Equal(IngestOutcome.TooLarge, recorder.Outcomes[0]);
        Assert.All(recorder.Outcomes.Skip(1), o => Assert.Equal(IngestOutcome.Accepted, o));
        Assert.Equal(9, h.Backend.Events.Count);
        Assert.Equal(9, h.Stats.EventsExported);
    }

    /// <summary>A decorator: records each batch, then hands it to the exporter it wraps.</summary>
    private sealed class RecordingExporter(IZespanExporter inner) : IZespanExporter
    {
        private readonly List<string> _batchIds = [];
        private readonly List<IngestOutcome> _outcomes = [];

        public IReadOnlyList<string> BatchIds
        {
            get
            {
                lock (_batchIds)
                {
                    return [.. _batchIds];
                }
            }
        }

        public IReadOnlyList<IngestOutcome> Outcomes
        {
            get
            {
                lock (_batchIds)
                {
                    return [.. _outcomes];
                }
            }
        }

        public async ValueTask<IngestResult> ExportAsync(IngestBody body, bool async, CancellationToken cancellationToken)
        {
            lock (_batchIds)
            {
                _batchIds.Add(body.BatchIdText);
            }

            var result = await inner.ExportAsync(body, async, cancellationToken);
            lock (_batchIds)
            {
                _outcomes.Add(result.Outcome);
            }

            return result;
        }
    }
}
