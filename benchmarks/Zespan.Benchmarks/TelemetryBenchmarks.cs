using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Zespan.Extensions;
using Zespan.Extensions.Diagnostics.Internal;

namespace Zespan.Benchmarks;

/// <summary>
/// The added cost of the <c>Zespan</c> ActivitySource: with no listener (the check alone, and a span), and
/// with the OTLP pipeline on (a TracerProvider for the Zespan source exporting over OTLP/HTTP to a loopback sink).
/// </summary>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private ServiceProvider _services = null!;
    private IZespanTracer _tracer = null!;
    private WebApplication _sink = null!;
    private TracerProvider? _otlp;

    [Params(false, true)]
    public bool OtlpPipeline { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_sink, var sinkUrl) = BenchmarkServers.StartSinkAsync().GetAwaiter().GetResult();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddZespan(o =>
        {
            o.ApiKey = "zsp_bench_0123456789";
            o.BaseUrl = sinkUrl;
            o.DisableConfigSync = true;
            o.MaxQueueSize = 1_000_000;
        });
        _services = services.BuildServiceProvider();
        _tracer = _services.GetRequiredService<IZespanTracer>();
        if (OtlpPipeline)
        {
            _otlp = Sdk.CreateTracerProviderBuilder()
                .AddSource("Zespan")
                .SetSampler(new AlwaysOnSampler())
                .AddOtlpExporter(o =>
                {
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                    o.Endpoint = new Uri(sinkUrl, "v1/traces");
                })
                .Build();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _otlp?.Dispose();
        _services.Dispose();
        _sink.StopAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "ActivitySource.HasListeners()")]
    public bool HasListenersCheck() => ZespanDiagnostics.ActivitySource.HasListeners();

    [Benchmark(Description = "span: start, two tags, dispose")]
    public void Span()
    {
        using var span = _tracer.StartSpan("bench");
        span.SetTag("team", "support");
        span.SetTag("tier", "gold");
    }
}
