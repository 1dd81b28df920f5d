using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Diagnostics;

/// <summary>The core exports no OTLP itself: <c>EnableOtel</c> needs Zespan.Extensions.OpenTelemetry's <c>AddOtlpExporter()</c>.</summary>
public class OtlpExporterRequirementTests
{
    [Fact]
    public async Task StartAsync_EnableOtelWithoutTheExporterPackage_FailsNamingThePackageAndTheCall()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = new Uri("http://127.0.0.1:9/");
            o.DisableConfigSync = true;
            o.EnableOtel = true;
            o.OtelEndpoint = new Uri("http://127.0.0.1:4318");
        });
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var message = Assert.Single(e.Failures);
        Assert.Equal(OtlpExporterRequirement.Message, message);
        Assert.Contains("Zespan.Extensions.OpenTelemetry", message, StringComparison.Ordinal);
        Assert.Contains(".AddOtlpExporter()", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, false, false)]   // EnableOtel off: nothing to export, nothing required
    [InlineData(false, true, false)]   // Enabled off: nothing is validated
    [InlineData(true, true, true)]     // the exporter is registered
    public void Validate_NothingToRequire_Skips(bool enabled, bool enableOtel, bool registered)
    {
        var options = new ZespanOptions { Enabled = enabled, EnableOtel = enableOtel };

        var result = new OtlpExporterRequirement(registered).Validate(null, options);

        Assert.True(result.Skipped);
    }

    [Fact]
    public void CoreAssembly_ReferencesNoOpenTelemetryAssembly()
    {
        var references = typeof(ZespanOptions).Assembly.GetReferencedAssemblies();

        Assert.DoesNotContain(references, r => r.Name!.StartsWith("OpenTelemetry", StringComparison.Ordinal));
    }
}
