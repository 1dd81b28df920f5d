using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// Fails the host's start when <see cref="ZespanOptions.EnableOtel"/> is true but no OTLP exporter was registered:
/// the export lives in the Zespan.Extensions.OpenTelemetry package (so an app that does not export spans pulls
/// in no OpenTelemetry SDK), and a setting that silently did nothing would look like a collector problem.
/// </summary>
internal sealed class OtlpExporterRequirement(bool exporterRegistered) : IValidateOptions<ZespanOptions>
{
    /// <summary>The message of the failed start; it names the package and the call.</summary>
    public const string Message = "Zespan:EnableOtel is true, but the OTLP exporter is not registered. Add the Zespan.Extensions.OpenTelemetry package (dotnet add package Zespan.Extensions.OpenTelemetry) and call .AddOtlpExporter() after AddZespan(...): builder.Services.AddZespan(builder.Configuration.GetSection(\"Zespan\")).AddOtlpExporter(). Or set Zespan:EnableOtel to false.";

    public ValidateOptionsResult Validate(string? name, ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled || !options.EnableOtel || exporterRegistered)
        {
            return ValidateOptionsResult.Skip;
        }

        return ValidateOptionsResult.Fail(Message);
    }
}
