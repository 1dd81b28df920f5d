using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Fails the host's start, with a message naming <c>services.AddZespan(...)</c>, when a registration that needs
/// Zespan's services (<c>AddZespan&lt;Provider&gt;</c>, <c>AddZespanInstrumentation</c>) was made without
/// <c>AddZespan</c>: otherwise every LLM call of that client would fail later with a dependency-injection error
/// about Zespan's internal types.
/// </summary>
internal sealed class ZespanRegistrationCheck
{
    /// <summary>Registers the check once per service collection; <paramref name="caller"/> names the first registration that needed it.</summary>
    public static void Require(IServiceCollection services, string caller)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(Marker))
            {
                return;
            }
        }

        services.AddSingleton<Marker>();
        services.AddOptions<ZespanRegistrationCheck>()
            .Validate<IServiceProvider>(
                static (_, provider) => provider.GetService<ZespanServiceCollectionExtensions.ZespanMarker>() is not null,
                $"{caller} needs Zespan's services, but services.AddZespan(...) was never called. Add builder.Services.AddZespan(builder.Configuration.GetSection(\"Zespan\")) (or services.AddZespan(o => ...)) in Program.cs.")
            .ValidateOnStart();
    }

    /// <summary>Marks a collection the check was added to.</summary>
    private sealed class Marker;
}
