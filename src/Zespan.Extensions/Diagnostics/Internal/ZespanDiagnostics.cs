using System.Diagnostics;
using System.Diagnostics.Metrics;
using Zespan.Extensions.Backend.Internal;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// The one <see cref="System.Diagnostics.ActivitySource"/> and the one <see cref="System.Diagnostics.Metrics.Meter"/>
/// of the SDK, both named <c>Zespan</c>. Work is only done when something listens
/// (<see cref="ActivitySource.HasListeners"/>, <see cref="Instrument.Enabled"/>).
/// </summary>
internal static class ZespanDiagnostics
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Zespan";

    /// <summary>Every Zespan span is also an <see cref="Activity"/> of this source when something listens.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, ZespanBackendClient.SdkVersion);

    /// <summary>GenAI client metrics and the pipeline's own instruments.</summary>
    public static readonly Meter Meter = new(Name, ZespanBackendClient.SdkVersion);

    /// <summary><c>gen_ai.client.token.usage</c>: tokens per call, by <c>gen_ai.token.type</c> (input, output).</summary>
    public static readonly Histogram<long> TokenUsage = Meter.CreateHistogram(
        "gen_ai.client.token.usage",
        unit: "{token}",
        description: "Number of input and output tokens used.",
        tags: null,
        advice: new InstrumentAdvice<long>
        {
            HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
        });

    /// <summary><c>zespan.cost</c>: the USD cost of model calls (estimated or provided; unpriced calls add nothing).</summary>
    public static readonly Counter<double> Cost = Meter.CreateCounter<double>(
        "zespan.cost",
        unit: "USD",
        description: "Cost of model calls in USD, as reported by the provider or estimated from the price table.");

    /// <summary><c>zespan.cost.unpriced_calls</c>: model calls with tokens but no known price, by model.</summary>
    public static readonly Counter<long> UnpricedCalls = Meter.CreateCounter<long>(
        "zespan.cost.unpriced_calls",
        unit: "{call}",
        description: "Model calls whose model has no price, so their cost is unknown (sent as null, never 0).");

    /// <summary><c>gen_ai.client.operation.duration</c>: the duration of a GenAI operation, in seconds.</summary>
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram(
        "gen_ai.client.operation.duration",
        unit: "s",
        description: "GenAI operation duration.",
        tags: null,
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
        });

    /// <summary><c>zespan.export.duration</c>: the duration of one ingest batch export, in seconds.</summary>
    public static readonly Histogram<double> ExportDuration = Meter.CreateHistogram(
        "zespan.export.duration",
        unit: "s",
        description: "Duration of one export of a batch of events to the Zespan backend, retries included.",
        tags: null,
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        });
}
