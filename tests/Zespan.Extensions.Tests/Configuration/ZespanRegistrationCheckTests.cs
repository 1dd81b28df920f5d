using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Tests.Configuration;

public class ZespanRegistrationCheckTests
{
    [Theory]
    [InlineData("OpenAI")]
    [InlineData("Anthropic")]
    [InlineData("Instrumentation")]
    public async Task StartAsync_ProviderHandlerWithoutAddZespan_FailsNamingAddZespan(string registration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var client = builder.Services.AddHttpClient("llm");
        _ = registration switch
        {
            "OpenAI" => client.AddZespanOpenAI(),
            "Anthropic" => client.AddZespanAnthropic(),
            _ => client.AddZespanInstrumentation(ZespanProvider.Google),
        };
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("services.AddZespan(...) was never called", ex.Message, StringComparison.Ordinal);
        Assert.Contains(registration == "Instrumentation" ? "AddZespanGoogle()" : $"AddZespan{registration}()", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ZespanHandlerServices", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ProviderHandlerRegisteredBeforeAddZespan_Starts()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHttpClient("llm").AddZespanOpenAI().Services.AddHttpClient("other").AddZespanAnthropic();
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = "zsp_test_key";
            o.DisableConfigSync = true;
        });
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public void Require_CalledForEveryClient_RegistersTheCheckOnce()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddZespanOpenAI();
        services.AddHttpClient("b").AddZespanMistral();

        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<Zespan.Extensions.Configuration.Internal.ZespanRegistrationCheck>));
    }
}
