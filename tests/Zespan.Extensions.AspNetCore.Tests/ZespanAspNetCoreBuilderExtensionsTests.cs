using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.AspNetCore.Tests;

/// <summary><c>AddAspNetCore</c>: registration, defaults and the options checks at start.</summary>
public sealed class ZespanAspNetCoreBuilderExtensionsTests
{
    [Fact]
    public void ZespanAspNetCoreOptions_Defaults_AreTheDocumentedOnes()
    {
        var options = new ZespanAspNetCoreOptions();

        Assert.Equal([System.Security.Claims.ClaimTypes.NameIdentifier, "sub"], options.UserIdClaimTypes);
        Assert.False(options.CaptureUserEmailAndName);
        Assert.Equal("X-Session-Id", options.SessionIdHeader);
        Assert.Null(options.EnrichTags);
    }

    [Fact]
    public void AddAspNetCore_CalledTwice_OneStartupFilterAndBothConfigurationsApply()
    {
        var services = new ServiceCollection();
        var builder = services.AddZespan(o => o.ApiKey = "zsp_test");

        builder.AddAspNetCore(o => o.SessionIdHeader = "X-A").AddAspNetCore(o => o.CaptureUserEmailAndName = true);

        using var provider = services.BuildServiceProvider();
        Assert.Single(provider.GetServices<IStartupFilter>());
        var options = provider.GetRequiredService<IOptions<ZespanAspNetCoreOptions>>().Value;
        Assert.Equal("X-A", options.SessionIdHeader);
        Assert.True(options.CaptureUserEmailAndName);
    }

    [Fact]
    public void AddAspNetCore_NullBuilder_Throws() =>
        Assert.Throws<ArgumentNullException>(() => ZespanAspNetCoreBuilderExtensions.AddAspNetCore(null!));

    [Theory]
    [InlineData("X Session", "ZespanAspNetCoreOptions.SessionIdHeader 'X Session' is not an HTTP header name")]
    [InlineData("X-Session:", "ZespanAspNetCoreOptions.SessionIdHeader 'X-Session:' is not an HTTP header name")]
    public async Task Start_InvalidSessionIdHeader_FailsNamingTheSetting(string header, string expected)
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.SessionIdHeader = header, start: false);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => harness.App.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("X-Session-Id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NullUserIdClaimTypes_FailsNamingTheSetting()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.UserIdClaimTypes = null!, start: false);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => harness.App.StartAsync());

        Assert.Contains("ZespanAspNetCoreOptions.UserIdClaimTypes is null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EmptyUserIdClaimType_FailsNamingItsIndex()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.UserIdClaimTypes.Add(" "), start: false);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => harness.App.StartAsync());

        Assert.Contains("ZespanAspNetCoreOptions.UserIdClaimTypes[2] is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EmptyUserIdClaimTypesList_StartsAndRecordsNoUser()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.UserIdClaimTypes = []);
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u1")));

        Assert.Null((string?)(await harness.GenerationAsync("hello"))["customer_identifier"]);
    }
}
