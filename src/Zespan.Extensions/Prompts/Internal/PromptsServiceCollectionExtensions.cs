using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Zespan.Extensions.Prompts.Internal;

internal static class PromptsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IPromptClient"/> (a singleton: it holds the prompt cache).</summary>
    public static IServiceCollection AddZespanPrompts(this IServiceCollection services)
    {
        services.TryAddSingleton<PromptClient>();
        services.TryAddSingleton<IPromptClient>(static sp => sp.GetRequiredService<PromptClient>());
        return services;
    }
}
