using Microsoft.Extensions.Options;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Runs first on the export thread: parses the bodies an instrumentation handler captured into the event's
/// fields (so the caller's path only copies bytes), then records the GenAI client metrics of model calls.
/// </summary>
internal sealed class ProviderExchangeProcessor(IOptionsMonitor<ZespanOptions> options) : IZespanEventProcessor
{
    /// <summary>Before the export filters, which may filter on parsed fields.</summary>
    public const int ProcessorOrder = 0;

    public int Order => ProcessorOrder;

    public bool Process(ZespanEvent item)
    {
        if (item.PendingExchange is { } exchange)
        {
            item.PendingExchange = null;
            using (exchange)
            {
                ProviderEventBuilder.Fill(item, exchange, options.CurrentValue.ModelPrices);
            }
        }

        if (!item.MetricsRecorded)
        {
            GenAiTelemetry.RecordMetrics(item);
        }

        return true;
    }
}
