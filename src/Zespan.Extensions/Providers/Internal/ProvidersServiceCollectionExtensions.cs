using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Providers.Internal;

internal static class ProvidersServiceCollectionExtensions
{
    /// <summary>Registers what the instrumentation handlers share, and the processor that parses their captures.</summary>
    public static IServiceCollection AddZespanProviders(this IServiceCollection services)
    {
        services.TryAddSingleton<ZespanHandlerServices>();
        services.TryAddSingleton<Tracing.Internal.IZespanCostEstimator, PriceTableCostEstimator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IZespanEventProcessor, ProviderExchangeProcessor>());
        return services;
    }
}
