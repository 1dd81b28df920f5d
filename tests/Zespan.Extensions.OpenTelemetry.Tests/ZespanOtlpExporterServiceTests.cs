using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.OpenTelemetry.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.OpenTelemetry.Tests;

/// <summary>The OTLP export of Zespan.Extensions.OpenTelemetry: <c>AddOtlpExporter()</c> with <c>EnableOtel</c>.</summary>
public class ZespanOtlpExporterServiceTests
{
    [Theory]
    [InlineData("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces")]
    [InlineData("http://127.0.0.1:4318/", "http://127.0.0.1:4318/v1/traces")]
    [InlineData("https://collector.example.com/otlp/", "https://collector.example.com/otlp/v1/traces")]
    [InlineData("https://collector.example.com/v1/traces", "https://collector.example.com/v1/traces")]
    public void GetTracesEndpoint_AppendsPathUnlessPresent(string endpoint, string expected)
    {
        Assert.Equal(expected, ZespanOtlpExporterService.GetTracesEndpoint(new Uri(endpoint)).AbsoluteUri);
    }

    [Fact]
    public async Task StopAsync_EnableOtel_FlushesSpansToCollectorAsProtobuf()
    {
        await using var collector = await LoopbackServer.StartAsync(static (context, _) =>
        {
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await using var backend = await FakeZespanBackend.StartAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.EnableOtel = true;
            o.OtelEndpoint = collector.BaseUrl;
            o.OtelHeaders["x-team"] = "llm-platform";
        }).AddOtlpExporter();
        using var host = builder.Build();
        await host.StartAsync();

        var e = new ZespanEvent
        {
            LogType = LogTypes.Generation,
            Name = "openai.chat.completions",
            Provider = "openai",
            Model = "otlp-test-model-7",
            PromptTokens = 12,
            CompletionTokens = 5,
            Environment = "test",
        };
        using (var activity = ZespanDiagnostics.ActivitySource.StartActivity("zespan", ActivityKind.Client))
        {
            Assert.NotNull(activity);
            GenAiTelemetry.Enrich(activity, e, includeContent: false);
        }

        await host.StopAsync();

        // Other tests running in parallel may create Zespan activities too: find the export that carries ours.
        var exports = collector.Requests.Where(r => r.Path == "/v1/traces").ToList();
        Assert.NotEmpty(exports);
        Assert.All(exports, r => Assert.Equal("application/x-protobuf", r.Header("Content-Type")));
        Assert.All(exports, r => Assert.Equal("llm-platform", r.Header("x-team")));
        var request = Assert.Single(exports, r => Encoding.UTF8.GetString(r.Body).Contains("chat otlp-test-model-7", StringComparison.Ordinal));
        var body = Encoding.UTF8.GetString(request.Body);
        Assert.Contains(GenAiTelemetry.RequestModel, body, StringComparison.Ordinal);
        Assert.Contains(GenAiTelemetry.InputTokens, body, StringComparison.Ordinal);
        Assert.Contains(GenAiTelemetry.LogType, body, StringComparison.Ordinal);
        Assert.Empty(backend.RequestsTo("/v1/traces"));
    }

    [Fact]
    public async Task StartAsync_OtelDisabled_CreatesNoProvider()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = new Uri("http://127.0.0.1:9/");
            o.DisableConfigSync = true;
        }).AddOtlpExporter();
        using var host = builder.Build();
        await host.StartAsync();

        Assert.Null(host.Services.GetRequiredService<ZespanOtlpExporterService>().Provider);
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_EnableOtelWithAddOtlpExporter_StartsAProvider()
    {
        using var host = BuildHost(enableOtel: true, addExporter: true);
        await host.StartAsync();

        Assert.NotNull(host.Services.GetRequiredService<ZespanOtlpExporterService>().Provider);
        await host.StopAsync();
        Assert.Null(host.Services.GetRequiredService<ZespanOtlpExporterService>().Provider);
    }

    [Fact]
    public async Task StartAsync_EnableOtelWithoutAddOtlpExporter_FailsNamingThePackageAndTheCall()
    {
        using var host = BuildHost(enableOtel: true, addExporter: false);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Zespan:EnableOtel", e.Message, StringComparison.Ordinal);
        Assert.Contains("Zespan.Extensions.OpenTelemetry", e.Message, StringComparison.Ordinal);
        Assert.Contains(".AddOtlpExporter()", e.Message, StringComparison.Ordinal);
        Assert.Null(host.Services.GetService<ZespanOtlpExporterService>());
    }

    [Fact]
    public void AddOtlpExporter_CalledTwice_RegistersOneExporter()
    {
        var services = new ServiceCollection();
        services.AddZespan(o => o.ApiKey = FakeZespanBackend.ValidApiKey).AddOtlpExporter().AddOtlpExporter();

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.Method.ReturnType == typeof(ZespanOtlpExporterService));
        Assert.Single(services, d => d.ServiceType == typeof(ZespanOtlpExporterService));
    }

    [Fact]
    public void AddOtlpExporter_NullBuilder_Throws() =>
        Assert.Throws<ArgumentNullException>(() => ZespanOpenTelemetryBuilderExtensions.AddOtlpExporter(null!));

    private static IHost BuildHost(bool enableOtel, bool addExporter)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var zespan = builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = new Uri("http://127.0.0.1:9/");
            o.DisableConfigSync = true;
            o.EnableOtel = enableOtel;
            o.OtelEndpoint = new Uri("http://127.0.0.1:9/");
        });
        if (addExporter)
        {
            zespan.AddOtlpExporter();
        }

        return builder.Build();
    }
}
