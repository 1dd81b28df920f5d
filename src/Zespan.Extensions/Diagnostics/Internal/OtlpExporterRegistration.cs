namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// Registered by <c>AddOtlpExporter()</c> of Zespan.Extensions.OpenTelemetry, so the core can tell that
/// <see cref="ZespanOptions.EnableOtel"/> has an exporter to drive (see <see cref="OtlpExporterRequirement"/>).
/// </summary>
internal sealed class OtlpExporterRegistration;
