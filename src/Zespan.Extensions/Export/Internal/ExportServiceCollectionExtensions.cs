using Microsoft.Extensions.DependencyInjection;

namespace Zespan.Extensions.Export.Internal;

internal static class ExportServiceCollectionExtensions
{
    /// <summary>Registers the event queue, the exporter, the hosted flusher and <see cref="IZespanClient"/>.</summary>
    public static IServiceCollection AddZespanExport(this IServiceCollection services)
    {
        // TODO(export): registered by the export pipeline.
        return services;
    }
}
