using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Backend.Internal;

namespace Zespan.Extensions.Export.Internal;

internal static class ExportServiceCollectionExtensions
{
    /// <summary>Registers the event queue, the exporter, the hosted flusher and <see cref="IZespanClient"/>.</summary>
    /// <remarks>
    /// <see cref="IZespanEventQueue"/> and <see cref="IZespanClient"/> resolve to the same
    /// <see cref="ZespanExportPipeline"/> singleton, or to <see cref="DisabledZespanExport"/> when
    /// <see cref="ZespanOptions.Enabled"/> is false when they are first resolved (the pipeline, its HTTP client
    /// and its loop are then never created). Every registration is a Try-add: calling this twice adds nothing.
    /// </remarks>
    public static IServiceCollection AddZespanExport(this IServiceCollection services)
    {
        services.TryAddSingleton<ExportStatistics>();
        services.TryAddSingleton(static sp => new ZespanExportPipeline(
            sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>(),
            sp.GetRequiredService<ZespanBackendClient>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<ExportStatistics>(),
            sp.GetRequiredService<Events.Internal.EventSteps>(),
            sp.GetServices<IFlushCycleParticipant>()));
        services.TryAddSingleton<IZespanEventQueue>(static sp => IsEnabled(sp)
            ? sp.GetRequiredService<ZespanExportPipeline>()
            : DisabledZespanExport.Instance);
        services.TryAddSingleton<IZespanClient>(static sp => IsEnabled(sp)
            ? sp.GetRequiredService<ZespanExportPipeline>()
            : DisabledZespanExport.Instance);

        // AddHostedService is a TryAddEnumerable: one flusher however often this runs.
        services.AddHostedService<ZespanExportHostedService>();
        return services;
    }

    private static bool IsEnabled(IServiceProvider services) =>
        services.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.Enabled;
}
