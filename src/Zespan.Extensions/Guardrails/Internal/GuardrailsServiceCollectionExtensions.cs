using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Zespan.Extensions.Guardrails.Internal;

internal static class GuardrailsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IGuardrailClient"/>.</summary>
    public static IServiceCollection AddZespanGuardrails(this IServiceCollection services)
    {
        services.TryAddSingleton<GuardrailClient>();
        services.TryAddSingleton<IGuardrailClient>(static sp => sp.GetRequiredService<GuardrailClient>());
        return services;
    }
}
