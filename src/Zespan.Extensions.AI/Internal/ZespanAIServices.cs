using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>Resolves what the middleware needs from the app's services, with a clear error when Zespan was not added.</summary>
internal static class ZespanAIServices
{
    /// <summary>Gets the tracer; throws, naming <c>services.AddZespan(...)</c> and <paramref name="registration"/>, when Zespan is not registered.</summary>
    /// <exception cref="InvalidOperationException">Zespan is not registered in <paramref name="services"/>.</exception>
    public static ZespanTracer RequireTracer(IServiceProvider services, string registration) =>
        services.GetService<ZespanTracer>()
        ?? throw new InvalidOperationException(
            $"{registration} needs Zespan's services, but services.AddZespan(...) was never called on this service provider. Add builder.Services.AddZespan(builder.Configuration.GetSection(\"Zespan\")) (package Zespan.Extensions) in Program.cs{(registration == "WithZespan" ? ", and pass the service provider built from those services" : string.Empty)}.");
}
