using Microsoft.Extensions.DependencyInjection;

namespace Zespan.Extensions.Tracing.Internal;

internal static class TracingServiceCollectionExtensions
{
    /// <summary>Registers the tracer, the context accessor, redaction, sampling and export filters.</summary>
    public static IServiceCollection AddZespanTracing(this IServiceCollection services)
    {
        // TODO(tracing): registered by the tracing feature.
        return services;
    }
}
