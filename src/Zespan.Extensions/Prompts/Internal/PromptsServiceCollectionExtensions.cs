using Microsoft.Extensions.DependencyInjection;

namespace Zespan.Extensions.Prompts.Internal;

internal static class PromptsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IPromptClient"/>.</summary>
    public static IServiceCollection AddZespanPrompts(this IServiceCollection services)
    {
        // TODO(prompts): registered by the prompts feature.
        return services;
    }
}
