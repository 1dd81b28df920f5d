namespace Zespan.Extensions;

/// <summary>
/// Every log event id of this assembly, one named constant each. Every <c>[LoggerMessage]</c> takes its
/// <c>EventId</c> and its <c>EventName</c> from here; a test fails when an id is used twice, is not a
/// constant of this class, or collides with an id of Zespan.Extensions. docs/telemetry.md lists them.
/// </summary>
/// <remarks>
/// This assembly logs in the same <c>Zespan</c> category as Zespan.Extensions, whose
/// <c>ZespanLogEvents</c> reserves the range 60-69 for it (the ids it had when the export was in the core).
/// </remarks>
internal static class ZespanOpenTelemetryLogEvents
{
    // 60-69: the SDK's own OTLP export

    /// <summary>Debug: spans are exported over OTLP/HTTP to the endpoint.</summary>
    public const int OtlpExportStarted = 60;

    /// <summary>Warning: not every span reached the OTLP endpoint before the host stopped.</summary>
    public const int OtlpFlushIncomplete = 61;
}
