using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Zespan.Extensions;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Guardrails.Internal;
using Zespan.Extensions.Prompts.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Zespan LLM observability with an <see cref="IServiceCollection"/>.</summary>
public static class ZespanServiceCollectionExtensions
{
    /// <summary>
    /// Adds Zespan: options, the background flusher, the tracer, the context accessor and the
    /// prompt and guardrail clients. Safe to call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options in code.</param>
    /// <returns>A builder to chain further configuration.</returns>
    public static IZespanBuilder AddZespan(this IServiceCollection services, Action<ZespanOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        return AddZespanCore(services);
    }

    /// <summary>
    /// Adds Zespan with options bound from a configuration section (conventionally <c>Zespan</c> of
    /// <c>appsettings.json</c>; a reload of the file flows to <c>IOptionsMonitor&lt;ZespanOptions&gt;</c>).
    /// Safe to call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section the options are bound from.</param>
    /// <returns>A builder to chain further configuration.</returns>
    public static IZespanBuilder AddZespan(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<ZespanOptions>(configuration);
        return AddZespanCore(services);
    }

    private static ZespanBuilder AddZespanCore(IServiceCollection services)
    {
        var builder = new ZespanBuilder(services);
        if (services.Any(static d => d.ServiceType == typeof(ZespanMarker)))
        {
            return builder;
        }

        services.AddSingleton<ZespanMarker>();
        services.AddOptions<ZespanOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZespanOptions>, ZespanOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ZespanOptions>, ZespanOptionsPostConfigure>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton(static sp =>
        {
            var stats = sp.GetService<ExportStatistics>();
            return new ZespanBackendClient(
                sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                handler: null,
                onIngestRetry: stats is null ? null : stats.RecordAttemptFailed,
                loggerFactory: sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>());
        });

        services.AddZespanRemoteConfig();
        services.AddZespanExport();
        services.AddZespanTracing();
        services.AddZespanPrompts();
        services.AddZespanGuardrails();
        services.AddZespanProviders();
        services.AddZespanDiagnostics();
        return builder;
    }

    /// <summary>Marks a collection Zespan was added to, so a second call adds nothing twice (and registrations that need Zespan can tell).</summary>
    internal sealed class ZespanMarker;
}
