using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

public class ProviderEndpointsTests
{
    private const string Key = "zsp_secret_value_123";

    public static TheoryData<string, string?, string, bool> EntryForms => new()
    {
        { "gateway.example.com", null, "https://gateway.example.com/v1/chat/completions", true },
        { "GATEWAY.example.com.", null, "https://gateway.example.com:8443/v1/chat/completions", true },
        { "gateway.example.com:8443", null, "https://gateway.example.com:8443/v1/chat/completions", true },
        { "gateway.example.com:8443", null, "https://gateway.example.com/v1/chat/completions", false },
        { "*.gateway.example.com", null, "https://eu.gateway.example.com/v1/chat/completions", true },
        { "*.gateway.example.com", null, "https://a.b.gateway.example.com/v1/chat/completions", true },
        { "*.gateway.example.com", null, "https://gateway.example.com/v1/chat/completions", false },
        { "*.gateway.example.com", null, "https://evilgateway.example.com/v1/chat/completions", false },
        { "*.gateway.example.com:4000", null, "http://eu.gateway.example.com:4000/v1/chat/completions", true },
        { "127.0.0.1:5087", "/mock/anthropic", "http://127.0.0.1:5087/mock/anthropic/v1/messages", true },
        { "127.0.0.1:5087", "/mock/anthropic/", "http://127.0.0.1:5087/mock/anthropic/v1/messages?beta=true", true },
        { "127.0.0.1:5087", "/mock/anthropic", "http://127.0.0.1:5087/mock/anthropicx/v1/messages", false },
        { "127.0.0.1:5087", "/mock/anthropic", "http://127.0.0.1:5087/mock/openai/v1/chat/completions", false },
        { "[::1]:11434", null, "http://[::1]:11434/v1/chat/completions", true },
    };

    [Theory]
    [MemberData(nameof(EntryForms))]
    public void Detect_EntryForms_MatchHostPortAndPath(string host, string? pathPrefix, string url, bool matches)
    {
        var table = ProviderEndpointTable.From([new ProviderEndpoint { Host = host, PathPrefix = pathPrefix, Provider = ZespanProvider.Anthropic, ProviderName = "gw" }], null);

        var detected = ProviderDetector.Detect(new Uri(url), table);

        Assert.Equal(matches ? new DetectedProvider(ZespanProvider.Anthropic, "gw") : null, detected);
    }

    public static TheoryData<string, string> WellKnownOpenAICompatibleHosts => new()
    {
        { "https://api.deepseek.com/chat/completions", "deepseek" },
        { "https://api.x.ai/v1/chat/completions", "xai" },
        { "https://api.together.xyz/v1/chat/completions", "together" },
        { "https://api.together.ai/v1/chat/completions", "together" },
        { "https://api.fireworks.ai/inference/v1/chat/completions", "fireworks" },
        { "https://api.perplexity.ai/chat/completions", "perplexity" },
        { "https://api.cerebras.ai/v1/chat/completions", "cerebras" },
    };

    [Theory]
    [MemberData(nameof(WellKnownOpenAICompatibleHosts))]
    public void Detect_WellKnownOpenAICompatibleHost_OpenAIWireFormatWithVendorName(string url, string name)
    {
        var detected = ProviderDetector.Detect(new Uri(url), ProviderEndpointTable.Empty);

        Assert.Equal(new DetectedProvider(ZespanProvider.OpenAI, name), detected);
        Assert.Equal(ProviderOperation.ChatCompletions, LlmEndpoint.Detect(ZespanProvider.OpenAI, new Uri(url)).Operation);
    }

    [Theory]
    [InlineData("https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")]
    [InlineData("https://contoso.cognitiveservices.azure.com/openai/deployments/gpt-4o/chat/completions")]
    [InlineData("https://contoso.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview")]
    public void Detect_AzureOpenAIAndFoundryHosts_StillOpenAI(string url)
    {
        Assert.Equal(new DetectedProvider(ZespanProvider.OpenAI, null), ProviderDetector.Detect(new Uri(url), ProviderEndpointTable.Empty));
    }

    [Fact]
    public void Detect_ConfiguredEntry_WinsOverTheBuiltInHostAndEarlierEntryWins()
    {
        var table = ProviderEndpointTable.From(
            [
                new ProviderEndpoint { Host = "api.openai.com", ProviderName = "openai-eu-proxy" },
                new ProviderEndpoint { Host = "api.openai.com", ProviderName = "second" },
            ],
            ["api.openai.com"]);

        Assert.Equal(new DetectedProvider(ZespanProvider.OpenAI, "openai-eu-proxy"), ProviderDetector.Detect(new Uri("https://api.openai.com/v1/responses"), table));
    }

    [Fact]
    public void Detect_LiteLlmHosts_AreAShorthandForLiteLlmEntries()
    {
        var table = ProviderEndpointTable.From(new ZespanOptions { LiteLlmHosts = { "litellm.internal:4000" } });

        Assert.Equal(new DetectedProvider(ZespanProvider.LiteLlm, null), ProviderDetector.Detect(new Uri("http://litellm.internal:4000/chat/completions"), table));
    }

    [Fact]
    public void From_MalformedEntries_AreLeftOut()
    {
        var table = ProviderEndpointTable.From(
            [
                new ProviderEndpoint { Host = "" },
                new ProviderEndpoint { Host = "https://gateway.example.com" },
                new ProviderEndpoint { Host = "gateway.example.com:99999" },
                new ProviderEndpoint { Host = "gateway.example.com", PathPrefix = "no-slash" },
                new ProviderEndpoint { Host = "gateway.example.com", Provider = (ZespanProvider)42 },
            ],
            null);

        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Bind_FromConfiguration_ReadsProviderEndpoints()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zespan:ApiKey"] = Key,
            ["Zespan:ProviderEndpoints:0:Host"] = "localhost:11434",
            ["Zespan:ProviderEndpoints:0:ProviderName"] = "ollama",
            ["Zespan:ProviderEndpoints:1:Host"] = "*.azure-api.net",
            ["Zespan:ProviderEndpoints:1:PathPrefix"] = "/anthropic",
            ["Zespan:ProviderEndpoints:1:Provider"] = "Anthropic",
        }).Build();
        var services = new ServiceCollection();
        services.AddZespan(config.GetSection("Zespan"));
        using var sp = services.BuildServiceProvider();

        var options = sp.GetRequiredService<IOptions<ZespanOptions>>().Value;

        Assert.Collection(
            options.ProviderEndpoints,
            e => Assert.Equal(("localhost:11434", (string?)null, ZespanProvider.OpenAI, (string?)"ollama"), (e.Host, e.PathPrefix, e.Provider, e.ProviderName)),
            e => Assert.Equal(("*.azure-api.net", (string?)"/anthropic", ZespanProvider.Anthropic, (string?)null), (e.Host, e.PathPrefix, e.Provider, e.ProviderName)));
    }

    public static TheoryData<string, string?, string, string> InvalidEntries => new()
    {
        { "Host", "", "Zespan:ProviderEndpoints:0:Host is missing", "ignored" },
        { "Host", "https://gateway.example.com/v1", "Zespan:ProviderEndpoints:0:Host 'https://gateway.example.com/v1' is a URL", "ignored" },
        { "Host", "gateway.example.com:0", "Zespan:ProviderEndpoints:0:Host 'gateway.example.com:0' is not a host", "ignored" },
        { "Host", "*.", "Zespan:ProviderEndpoints:0:Host '*.' is not a host", "ignored" },
        { "PathPrefix", "openai", "Zespan:ProviderEndpoints:0:PathPrefix 'openai' must be a path starting with '/'", "gateway.example.com" },
        { "Provider", "42", "Zespan:ProviderEndpoints:0:Provider '42' is not a wire format Zespan reads", "gateway.example.com" },
    };

    [Theory]
    [MemberData(nameof(InvalidEntries))]
    public async Task StartAsync_InvalidProviderEndpoint_FailsNamingTheEntry(string setting, string? value, string expected, string host)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zespan:ApiKey"] = Key,
            ["Zespan:ProviderEndpoints:0:Host"] = host,
            ["Zespan:ProviderEndpoints:0:" + setting] = value,
        });
        builder.Services.AddZespan(builder.Configuration.GetSection("Zespan"));
        using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret_value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WellFormedEntries_Pass()
    {
        var options = new ZespanOptions
        {
            ApiKey = Key,
            ProviderEndpoints =
            {
                new ProviderEndpoint { Host = "localhost:11434", ProviderName = "ollama" },
                new ProviderEndpoint { Host = "*.azure-api.net", PathPrefix = "/anthropic", Provider = ZespanProvider.Anthropic },
                new ProviderEndpoint { Host = "[::1]:8000", PathPrefix = "/", ProviderName = "vllm" },
            },
        };

        var result = new ZespanOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public async Task InstrumentAllHttpClients_ProviderEndpointWithName_EventCarriesTheName()
    {
        await using var h = await InstrumentationHarness.StartAsync(
            InstrumentationHarness.Serve("openai-chat.json"),
            (s, baseUrl) =>
            {
                s.AddZespan(o => o.ProviderEndpoints.Add(new ProviderEndpoint { Host = baseUrl.Authority, ProviderName = "vllm" })).InstrumentAllHttpClients();
                s.AddHttpClient("any");
            });
        var chat = new ChatClient("qwen2.5", new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(h.Provider.BaseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(h.Factory.CreateClient("any")),
        });

        await chat.CompleteChatAsync([new UserChatMessage("hello")]);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("vllm", (string?)e["provider"]);
        Assert.Equal("vllm.chat.completions", (string?)e["name"]);
        Assert.Equal("qwen2.5", (string?)e["model"]);
    }

    [Fact]
    public async Task AddZespanOpenAI_ClientProviderName_WinsOverTheEndpointName()
    {
        await using var h = await InstrumentationHarness.StartAsync(
            InstrumentationHarness.Serve("openai-chat.json"),
            (s, baseUrl) =>
            {
                s.AddZespan(o => o.ProviderEndpoints.Add(new ProviderEndpoint { Host = baseUrl.Authority, ProviderName = "vllm" }));
                s.AddHttpClient("openai").AddZespanOpenAI(o => o.ProviderName = "acme");
            });
        var chat = new ChatClient("qwen2.5", new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(h.Provider.BaseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(h.Factory.CreateClient("openai")),
        });

        await chat.CompleteChatAsync([new UserChatMessage("hello")]);

        Assert.Equal("acme", (string?)Assert.Single(await h.FlushAsync())["provider"]);
    }
}
