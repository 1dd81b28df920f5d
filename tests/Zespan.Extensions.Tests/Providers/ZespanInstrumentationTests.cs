using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

public class ZespanInstrumentationTests
{
    [Fact]
    public async Task CreateHttpClient_WithoutFactory_TracesCalls()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), (_, _) => { });
        using var http = ZespanInstrumentation.CreateHttpClient(h.Services, ZespanProvider.OpenAI, o => o.ProviderName = "gateway");
        var chat = new ChatClient("gpt-4o-mini", new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = new Uri(h.Provider.BaseUrl, "v1"), Transport = new HttpClientPipelineTransport(http) });

        await chat.CompleteChatAsync([new UserChatMessage("hello")]);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("gateway", (string?)e["provider"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
    }

    [Fact]
    public void CreateHandler_WithoutAddZespan_ExplainsTheFix()
    {
        using var services = new ServiceCollection().BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => ZespanInstrumentation.CreateHandler(services));

        Assert.Contains("AddZespan", ex.Message, StringComparison.Ordinal);
    }
}
