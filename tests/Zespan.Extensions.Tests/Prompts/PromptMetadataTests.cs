using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Zespan.Extensions.Prompts.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Prompts;

public class PromptMetadataTests
{
    [Fact]
    public void ToMetadata_Prompt_HoldsNameAndVersion()
    {
        var prompt = new Prompt { Name = "support-reply", Version = 3, Text = "x" };

        var metadata = prompt.ToMetadata();

        Assert.Equal(2, metadata.Count);
        Assert.Equal("support-reply", metadata["prompt.name"]);
        Assert.Equal(3, metadata["prompt.version"]);
        Assert.Equal(PromptMetadata.NameKey, "prompt.name");
        Assert.Equal(PromptMetadata.VersionKey, "prompt.version");
    }

    [Fact]
    public void ToMetadata_Fallback_IsFlagged()
    {
        var metadata = (PromptTestData.TextFallback() with { IsFallback = true }).ToMetadata();

        Assert.Equal(true, metadata[PromptMetadata.FallbackKey]);
    }

    [Fact]
    public void ToMetadata_Additional_MergedAndWinsOnClash()
    {
        var prompt = new Prompt { Name = "p", Version = 1 };

        var metadata = prompt.ToMetadata(new Dictionary<string, object?> { ["team"] = "support", ["prompt.version"] = "pinned" });

        Assert.Equal("support", metadata["team"]);
        Assert.Equal("pinned", metadata["prompt.version"]);
        Assert.Equal("p", metadata["prompt.name"]);
    }

    [Fact]
    public void ToMetadata_UsableAsGenerationLogMetadata()
    {
        var prompt = new Prompt { Name = "p", Version = 5 };

        var log = new GenerationLog { Model = "gpt-4o", Metadata = prompt.ToMetadata() };

        Assert.Equal(5, log.Metadata!["prompt.version"]);
    }

    [Fact]
    public void AddZespan_RegistersPromptClientOnceAsSingleton()
    {
        var services = new ServiceCollection();
        services.AddZespan(o => o.ApiKey = "zsp_test");
        services.AddZespan(o => o.ApiKey = "zsp_test");
        using var provider = services.BuildServiceProvider();

        var a = provider.GetRequiredService<IPromptClient>();
        var b = provider.GetRequiredService<IPromptClient>();

        Assert.IsType<PromptClient>(a);
        Assert.Same(a, b);
        Assert.Single(services, d => d.ServiceType == typeof(IPromptClient));
    }

    [Fact]
    public async Task Dispose_WithRefreshRunning_StopsWithoutThrowing()
    {
        var h = await ZespanTestHost.StartPromptsAsync();
        await using (h.Backend)
        {
            h.Backend.SeedPrompt("p", "one", "production");
            await h.Client.GetAsync("p");
            h.Time.Advance(TimeSpan.FromMinutes(6));
            var gate = h.HoldGets("p");
            await h.Client.GetAsync("p");
            await gate.Arrived;

            var refreshes = h.Internal.WhenRefreshesCompleteAsync();
            await ((IAsyncDisposable)h.Services).DisposeAsync();
            await refreshes;
            gate.Release();
        }
    }
}

public class PromptClientOptionsTests
{
    [Fact]
    public async Task PromptCacheTtl_ReloadedToZero_EmptiesCacheAndStopsCaching()
    {
        await using var backend = await FakeZespanBackend.StartAsync();
        backend.SeedPrompt("p", "one", "production");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Zespan:ApiKey"] = FakeZespanBackend.ValidApiKey,
                ["Zespan:BaseUrl"] = backend.BaseUrl.ToString(),
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(SignalingTimeProvider.DefaultStart));
        services.AddZespan(configuration.GetSection("Zespan"));
        await using var provider = services.BuildServiceProvider();
        var client = (PromptClient)provider.GetRequiredService<IPromptClient>();
        await client.GetAsync("p");
        await client.GetAsync("p");
        Assert.Equal(1, backend.PromptGetCount("p"));

        configuration["Zespan:PromptCacheTtl"] = "00:00:00";
        configuration.Reload();
        await client.GetAsync("p");
        await client.GetAsync("p");

        Assert.Equal(0, client.CachedCount);
        Assert.Equal(3, backend.PromptGetCount("p"));
    }
}
