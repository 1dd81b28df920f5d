using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Pricing.Internal;

namespace Zespan.Extensions.Providers.Internal;

internal static class ProvidersServiceCollectionExtensions
{
    /// <summary>Registers what the instrumentation handlers share, and the price table the lifecycle prices calls with.</summary>
    public static IServiceCollection AddZespanProviders(this IServiceCollection services)
    {
        services.TryAddSingleton<ZespanHandlerServices>();
        services.TryAddSingleton<Tracing.Internal.IZespanCostEstimator, PriceTableCostEstimator>();
        return services;
    }
}
