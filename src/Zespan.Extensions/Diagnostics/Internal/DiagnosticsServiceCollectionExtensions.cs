using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Zespan.Extensions.Diagnostics.Internal;

internal static class DiagnosticsServiceCollectionExtensions
{
    /// <summary>Registers the OTLP exporter service (active only with <see cref="ZespanOptions.EnableOtel"/>).</summary>
    public static IServiceCollection AddZespanDiagnostics(this IServiceCollection services)
    {
        services.TryAddSingleton<ZespanOtlpExporterService>();
        services.TryAddSingleton(static sp => new ZespanPipelineMetrics(
            sp.GetRequiredService<Export.Internal.ExportStatistics>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ZespanOtlpExporterService>(
            static sp => sp.GetRequiredService<ZespanOtlpExporterService>()));
        return services;
    }
}
