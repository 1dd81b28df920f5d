using System.ClientModel;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenAI;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>
/// <c>UseZespan()</c> over the real OpenAI SDK with no transport, while process-wide capture
/// (<c>InstrumentAllHttpClients</c>) sees the same HTTP call: one event, the middleware's, with what only the HTTP
/// layer sees added to it. The fake provider's port is the only endpoint each host maps.
/// </summary>
public class ProcessWideCaptureTests
{
    [Fact]
    public async Task UseZespan_OverTheOpenAISdkWithProcessWideCapture_RecordsOneEnrichedEvent()
    {
        await using var provider = await LoopbackServer.StartAsync(static async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "providers", "openai-chat.json")));
        });
        await using var backend = await FakeZespanBackend.StartAsync();
        var openAI = new OpenAIClient(new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(provider.BaseUrl, "v1") });
        using var host = await StartHostAsync(backend, provider.BaseUrl, s => s.AddChatClient(new SdkChatClient(openAI.GetChatClient("gpt-4o-mini"))).UseZespan());

        var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync("hello");

        Assert.Equal("Hello! How can I assist you today?", response.Text);
        var e = Assert.Single(await FlushAsync(host, backend));
        Assert.Equal("generation", (string?)e["log_type"]);
        Assert.Equal("openai.chat", (string?)e["name"]);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.NotNull(e["metadata"]!["usage"]!["prompt_tokens"]); // the provider's raw usage, from the HTTP layer
        await host.StopAsync();
    }

    [Fact]
    public async Task UseZespanEmbeddings_OverTheOpenAISdkWithProcessWideCapture_RecordsOneEmbeddingEvent()
    {
        const string Body = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":3,"total_tokens":3}}""";
        await using var provider = await LoopbackServer.StartAsync(static async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Body);
        });
        await using var backend = await FakeZespanBackend.StartAsync();
        var openAI = new OpenAIClient(new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(provider.BaseUrl, "v1") });
        using var host = await StartHostAsync(backend, provider.BaseUrl, s => s.AddEmbeddingGenerator(new SdkEmbeddingGenerator(openAI.GetEmbeddingClient("text-embedding-3-small"))).UseZespan());

        var embeddings = await host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["hello"]);

        Assert.Single(embeddings);
        var e = Assert.Single(await FlushAsync(host, backend));
        Assert.Equal("embedding", (string?)e["log_type"]);
        Assert.Equal(3, (int)e["prompt_tokens"]!);
        Assert.Equal(1, (int)e["metadata"]!["input_count"]!);
        Assert.Equal(200, (int)e["status_code"]!);
        await host.StopAsync();
    }

    private static async Task<IHost> StartHostAsync(FakeZespanBackend backend, Uri providerUrl, Action<IServiceCollection> services)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.ProviderEndpoints.Add(new ProviderEndpoint { Host = providerUrl.Authority });
        }).InstrumentAllHttpClients();
        services(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<IReadOnlyList<JsonObject>> FlushAsync(IHost host, FakeZespanBackend backend)
    {
        Assert.True(await host.Services.GetRequiredService<IZespanClient>().FlushAsync());
        return backend.Events;
    }

    /// <summary>The smallest IChatClient over the OpenAI SDK's own client (its private HttpClient).</summary>
    private sealed class SdkChatClient(OpenAI.Chat.ChatClient chat) : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var completion = (await chat.CompleteChatAsync([.. messages.Select(m => (OpenAI.Chat.ChatMessage)new OpenAI.Chat.UserChatMessage(m.Text))], cancellationToken: cancellationToken)).Value;
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, completion.Content[0].Text))
            {
                ModelId = completion.Model,
                Usage = new UsageDetails { InputTokenCount = completion.Usage.InputTokenCount, OutputTokenCount = completion.Usage.OutputTokenCount, TotalTokenCount = completion.Usage.TotalTokenCount },
            };
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, "gpt-4o-mini") : null;

        public void Dispose()
        {
        }
    }

    /// <summary>The smallest embedding generator over the OpenAI SDK's own client.</summary>
    private sealed class SdkEmbeddingGenerator(OpenAI.Embeddings.EmbeddingClient client) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = (await client.GenerateEmbeddingsAsync(values, cancellationToken: cancellationToken)).Value;
            return new GeneratedEmbeddings<Embedding<float>>(result.Select(e => new Embedding<float>(e.ToFloats())))
            {
                Usage = new UsageDetails { InputTokenCount = result.Usage.InputTokenCount, TotalTokenCount = result.Usage.TotalTokenCount },
            };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("openai", null, "text-embedding-3-small") : null;

        public void Dispose()
        {
        }
    }
}
