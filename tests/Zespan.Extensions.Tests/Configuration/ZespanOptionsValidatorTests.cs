using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Tests.Configuration;

public class ZespanOptionsValidatorTests
{
    private const string Key = "zsp_secret_value_123";

    public static TheoryData<string, string?, string> InvalidSettings => new()
    {
        { "ApiKey", "sk-notzespan-abc", "must start with 'zsp_'" },
        { "SampleRate", "1.5", "Zespan:SampleRate must be between 0.0 and 1.0" },
        { "SampleRate", "-0.1", "Zespan:SampleRate must be between 0.0 and 1.0" },
        { "BatchSize", "0", "Zespan:BatchSize must be at least 1" },
        { "FlushInterval", "00:00:00", "Zespan:FlushInterval must be positive" },
        { "FlushInterval", "-00:00:01", "Zespan:FlushInterval must be positive" },
        { "BaseUrl", "/relative/path", "Zespan:BaseUrl must be an absolute URL" },
        { "BaseUrl", "http://api.example.com", "Zespan:BaseUrl must use https" },
        { "EnableOtel", "true", "Zespan:OtelEndpoint is required when Zespan:EnableOtel is true" },
        { "ExportFilters:0:Operator", "like", "Zespan:ExportFilters:0 has an unknown Operator 'like'" },
        { "ExportFilters:0:Operator", "regex", "Zespan:ExportFilters:0 has a Value that is not a valid regular expression" },
        { "MaxQueueSize", "0", "Zespan:MaxQueueSize must be at least 1" },
        { "ShutdownTimeout", "00:00:00", "Zespan:ShutdownTimeout must be positive" },
        { "RequestTimeout", "00:00:00", "Zespan:RequestTimeout must be positive" },
        { "PromptCacheMaxEntries", "0", "Zespan:PromptCacheMaxEntries must be at least 1" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task StartAsync_InvalidSetting_FailsNamingSettingWithoutKey(string setting, string? value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Zespan:ApiKey"] = Key,
            ["Zespan:" + setting] = value,
        };
        if (setting.StartsWith("ExportFilters", StringComparison.Ordinal))
        {
            settings["Zespan:ExportFilters:0:Field"] = "model";
            settings["Zespan:ExportFilters:0:Value"] = "([unclosed";
        }

        using var host = BuildHost(settings);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret_value", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("notzespan", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MissingKey_FailsNamingBothWaysToSetIt()
    {
        using var host = BuildHost(new Dictionary<string, string?> { ["Zespan:Environment"] = "test" }, clearEnvironmentKey: true);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Zespan:ApiKey is missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ZESPAN_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Disabled_SkipsEveryRule()
    {
        var options = new ZespanOptions { Enabled = false, SampleRate = 7, ApiKey = null };
        var result = new Zespan.Extensions.Configuration.Internal.ZespanOptionsValidator().Validate(null, options);
        Assert.True(result.Skipped);
    }

    [Fact]
    public void Validate_LoopbackHttpBaseUrl_IsAllowed()
    {
        var options = new ZespanOptions { ApiKey = Key, BaseUrl = new Uri("http://127.0.0.1:5087/api/") };
        var result = new Zespan.Extensions.Configuration.Internal.ZespanOptionsValidator().Validate(null, options);
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Bind_FromConfiguration_ReadsListsAndDictionaries()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zespan:ApiKey"] = Key,
            ["Zespan:RedactKeys:0"] = "email",
            ["Zespan:ModelOverrides:0:From"] = "amazon.nova-lite-v1:0",
            ["Zespan:ModelOverrides:0:To"] = "amazon.nova-micro-v1:0",
            ["Zespan:OtelHeaders:x-team"] = "llm",
            ["Zespan:ExportFilters:0:Field"] = "model",
            ["Zespan:ExportFilters:0:Operator"] = "in",
            ["Zespan:ExportFilters:0:Values:0"] = "gpt-4o",
            ["Zespan:FlushInterval"] = "00:00:05",
        }).Build();
        var services = new ServiceCollection();
        services.AddZespan(config.GetSection("Zespan"));
        using var sp = services.BuildServiceProvider();

        var options = sp.GetRequiredService<IOptions<ZespanOptions>>().Value;

        Assert.Equal(["email"], options.RedactKeys);
        Assert.Equal("amazon.nova-lite-v1:0", options.ModelOverrides[0].From);
        Assert.Equal("llm", options.OtelHeaders["x-team"]);
        Assert.Equal(["gpt-4o"], options.ExportFilters[0].Values);
        Assert.Equal(TimeSpan.FromSeconds(5), options.FlushInterval);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, bool clearEnvironmentKey = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddZespan(builder.Configuration.GetSection("Zespan"));
        if (clearEnvironmentKey)
        {
            // Make the test independent of the machine's environment.
            builder.Services.PostConfigure<ZespanOptions>(o => { if (o.ApiKey is not null && !settings.ContainsKey("Zespan:ApiKey")) { o.ApiKey = null; } });
        }

        return builder.Build();
    }
}
