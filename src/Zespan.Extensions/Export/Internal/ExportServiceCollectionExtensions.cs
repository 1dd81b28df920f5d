using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Export.Internal;

internal static class ExportServiceCollectionExtensions
{
    /// <summary>
    /// Registers the export components (queue and memory budget → worker → sender and backlog (offline store) → gate →
    /// exporter), the hosted service that runs the worker, and <see cref="IZespanClient"/>.
    /// </summary>
    /// <remarks>
    /// <see cref="IZespanEventQueue"/> resolves to the <see cref="ExportWorker"/>'s <see cref="BoundedEventQueue"/>
    /// and <see cref="IZespanClient"/> to <see cref="ZespanClient"/>, or both to <see cref="DisabledZespanExport"/>
    /// when <see cref="ZespanOptions.Enabled"/> is false when they are first resolved (the worker, its HTTP client
    /// and its loop are then never created). <see cref="IZespanExporter"/> is <see cref="IngestExporter"/> unless
    /// another registration (a decorator) comes later; <see cref="IEventPreparer"/> is
    /// the event lifecycle's <see cref="Events.Internal.EventSteps"/> (registered with tracing). Every registration is a Try-add: calling this twice adds nothing.
    /// </remarks>
    public static IServiceCollection AddZespanExport(this IServiceCollection services)
    {
        services.TryAddSingleton<ExportStatistics>();
        services.TryAddSingleton<DropCounter>();
        services.TryAddSingleton<MemoryBudget>();
        services.TryAddSingleton<BoundedEventQueue>();
        services.TryAddSingleton<DeliveryGate>();
        services.TryAddSingleton<OfflineBatchStore>();
        services.TryAddSingleton<DeliveryBacklog>();
        services.TryAddSingleton<IngestExporter>();
        services.TryAddSingleton<IZespanExporter>(static sp => sp.GetRequiredService<IngestExporter>());
        services.TryAddSingleton<BatchSender>();
        services.TryAddSingleton<ExportWorker>();
        services.TryAddSingleton<ZespanClient>();
        services.TryAddSingleton<IZespanEventQueue>(static sp => IsEnabled(sp)
            ? sp.GetRequiredService<ExportWorker>().Queue
            : DisabledZespanExport.Instance);
        services.TryAddSingleton<IZespanClient>(static sp => IsEnabled(sp)
            ? sp.GetRequiredService<ZespanClient>()
            : DisabledZespanExport.Instance);

        // AddHostedService is a TryAddEnumerable: one worker host however often this runs.
        services.AddHostedService<ZespanExportHostedService>();
        return services;
    }

    private static bool IsEnabled(IServiceProvider services) =>
        services.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.Enabled;
}
