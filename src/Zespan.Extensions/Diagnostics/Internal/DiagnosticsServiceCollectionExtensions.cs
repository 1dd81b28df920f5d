using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Diagnostics.Internal;

internal static class DiagnosticsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the pipeline's observable instruments (created when the host starts) and the check that
    /// <see cref="ZespanOptions.EnableOtel"/> has its exporter (the Zespan.Extensions.OpenTelemetry package's
    /// <c>AddOtlpExporter()</c>); the core itself depends on no OpenTelemetry package.
    /// </summary>
    public static IServiceCollection AddZespanDiagnostics(this IServiceCollection services)
    {
        services.TryAddSingleton(static sp => new ZespanPipelineMetrics(
            sp.GetRequiredService<Export.Internal.ExportStatistics>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ZespanPipelineMetricsService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZespanOptions>, OtlpExporterRequirement>(
            static sp => new OtlpExporterRequirement(sp.GetService<OtlpExporterRegistration>() is not null)));
        return services;
    }
}
