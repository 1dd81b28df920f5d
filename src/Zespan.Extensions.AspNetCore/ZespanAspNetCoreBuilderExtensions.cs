using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Zespan.Extensions;
using Zespan.Extensions.AspNetCore.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the ASP.NET Core integration to Zespan.</summary>
public static class ZespanAspNetCoreBuilderExtensions
{
    /// <summary>
    /// Runs every request in a Zespan context scope, so the LLM calls, spans and agents of the request carry its
    /// authenticated user (<c>customer_identifier</c>), its session (<c>thread_identifier</c>, from the
    /// <c>X-Session-Id</c> header by default), its route (the <c>http.route</c> tag) and the tags of
    /// <see cref="ZespanAspNetCoreOptions.EnrichTags"/>. No middleware line is needed: the scope is added at the
    /// start of the pipeline by an <see cref="IStartupFilter"/>. A scope the app begins inside the request wins over
    /// these values. The options are validated when the host starts. Safe to call more than once (the
    /// <paramref name="configure"/> callbacks add up).
    /// </summary>
    /// <param name="builder">The builder <c>AddZespan</c> returned.</param>
    /// <param name="configure">Sets the options; null keeps the defaults.</param>
    /// <returns>The same builder.</returns>
    public static IZespanBuilder AddAspNetCore(this IZespanBuilder builder, Action<ZespanAspNetCoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<ZespanAspNetCoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZespanAspNetCoreOptions>, ZespanAspNetCoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, ZespanRequestContextStartupFilter>());
        return builder;
    }
}
