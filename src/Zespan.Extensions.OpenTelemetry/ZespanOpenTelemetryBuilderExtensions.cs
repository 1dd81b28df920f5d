using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Zespan.Extensions;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.OpenTelemetry.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Zespan's own OTLP export to Zespan.</summary>
public static class ZespanOpenTelemetryBuilderExtensions
{
    /// <summary>
    /// Registers the OTLP export that <see cref="ZespanOptions.EnableOtel"/>, <see cref="ZespanOptions.OtelEndpoint"/>
    /// and <see cref="ZespanOptions.OtelHeaders"/> configure: with <c>EnableOtel</c> true, the <c>Zespan</c> spans
    /// are also exported over OTLP/HTTP (protobuf) to <c>OtelEndpoint</c> by a tracer provider of Zespan's own,
    /// started with the host and flushed when it stops; it never joins a tracer provider the app builds. With
    /// <c>EnableOtel</c> false it does nothing. Without this call, <c>EnableOtel = true</c> fails the host's start.
    /// Safe to call more than once.
    /// </summary>
    /// <param name="builder">The builder <c>AddZespan</c> returned.</param>
    /// <returns>The same builder.</returns>
    public static IZespanBuilder AddOtlpExporter(this IZespanBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton<OtlpExporterRegistration>();
        services.TryAddSingleton<ZespanOtlpExporterService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ZespanOtlpExporterService>(
            static sp => sp.GetRequiredService<ZespanOtlpExporterService>()));
        return builder;
    }
}
