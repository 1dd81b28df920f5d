using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Zespan.Extensions.Diagnostics.Internal;

namespace Zespan.Extensions.OpenTelemetry.Internal;

/// <summary>
/// With <see cref="ZespanOptions.EnableOtel"/>, builds the SDK's own <see cref="TracerProvider"/>: the
/// <c>Zespan</c> source only, an always-on sampler (Zespan has already sampled the trace; a parent-based
/// sampler would drop every span under an unrecorded request activity), and the OTLP/HTTP protobuf exporter
/// with <see cref="ZespanOptions.OtelHeaders"/>. Started with the host, flushed and disposed when it stops.
/// It is separate from any provider the app builds, so it never adds Zespan's exporter to the app's pipeline.
/// </summary>
internal sealed partial class ZespanOtlpExporterService : IHostedService, IDisposable
{
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;
    private TracerProvider? _provider;

    /// <param name="options">The options.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    public ZespanOtlpExporterService(IOptionsMonitor<ZespanOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _logger = loggerFactory.CreateLogger(ZespanDiagnostics.Name);
    }

    /// <summary>Gets the provider while the host runs (null when OTLP export is off).</summary>
    internal TracerProvider? Provider => _provider;

    /// <summary>The traces URL: the endpoint with <c>/v1/traces</c> appended unless it already ends with it.</summary>
    public static Uri GetTracesEndpoint(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var text = endpoint.AbsoluteUri;
        if (endpoint.AbsolutePath.TrimEnd('/').EndsWith("/v1/traces", StringComparison.OrdinalIgnoreCase))
        {
            return endpoint;
        }

        return new Uri(text.TrimEnd('/') + "/v1/traces");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        if (!options.Enabled || !options.EnableOtel || options.OtelEndpoint is null || _provider is not null)
        {
            return Task.CompletedTask;
        }

        var endpoint = GetTracesEndpoint(options.OtelEndpoint);
        var headers = new Dictionary<string, string>(options.OtelHeaders, StringComparer.OrdinalIgnoreCase);
        var timeout = options.RequestTimeout;
        _provider = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddAttributes([new("deployment.environment.name", options.Environment)]))
            .AddSource(ZespanDiagnostics.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = endpoint;
                o.TimeoutMilliseconds = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
                o.HttpClientFactory = () => CreateHttpClient(headers, timeout);
            })
            .Build();
        LogOtlpStarted(_logger, endpoint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var provider = Interlocked.Exchange(ref _provider, null);
        if (provider is null)
        {
            return Task.CompletedTask;
        }

        try
        {
            var timeout = (int)Math.Min(int.MaxValue, _options.CurrentValue.ShutdownTimeout.TotalMilliseconds);
            if (!provider.ForceFlush(timeout))
            {
                LogOtlpFlushIncomplete(_logger);
            }
        }
        finally
        {
            provider.Dispose();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => Interlocked.Exchange(ref _provider, null)?.Dispose();

    private static HttpClient CreateHttpClient(Dictionary<string, string> headers, TimeSpan timeout)
    {
        // Its own handler with no activity propagation: the export is never traced itself.
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ActivityHeadersPropagator = null,
            AutomaticDecompression = DecompressionMethods.All,
        };
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
        foreach (var (key, value) in headers)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation(key, value);
        }

        return client;
    }

    [LoggerMessage(EventId = ZespanOpenTelemetryLogEvents.OtlpExportStarted, EventName = nameof(ZespanOpenTelemetryLogEvents.OtlpExportStarted), Level = LogLevel.Debug, Message = "Zespan exports spans over OTLP/HTTP to {Endpoint}.")]
    private static partial void LogOtlpStarted(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = ZespanOpenTelemetryLogEvents.OtlpFlushIncomplete, EventName = nameof(ZespanOpenTelemetryLogEvents.OtlpFlushIncomplete), Level = LogLevel.Warning, Message = "Zespan could not flush every span to the OTLP endpoint before the host stopped.")]
    private static partial void LogOtlpFlushIncomplete(ILogger logger);
}
