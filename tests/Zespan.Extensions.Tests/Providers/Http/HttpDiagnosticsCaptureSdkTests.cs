using System.ClientModel;
using System.Text;
using Anthropic;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;
using Zespan.Testing;

#pragma warning disable OPENAI001 // the Responses client is marked experimental by the OpenAI SDK

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// Process-wide capture through the real provider SDKs, exactly as an app writes them: no transport, no
/// <see cref="HttpClient"/> given, the SDK's private client. The fake providers are loopback servers mapped with
/// <see cref="ZespanOptions.ProviderEndpoints"/>.
/// </summary>
public class HttpDiagnosticsCaptureSdkTests
{
    private static OpenAIClient OpenAI(Uri baseUrl) =>
        new(new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(baseUrl, "v1") });

    private static AnthropicClient Anthropic(Uri baseUrl) =>
        new() { ApiKey = "sk-ant-test", BaseUrl = baseUrl.ToString().TrimEnd('/') };

    [Fact]
    public async Task CompleteChatAsync_OpenAISdkWithoutTransport_RecordsTheCall()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat.json"));

        ChatCompletion completion = await OpenAI(h.BaseUrl).GetChatClient("gpt-4o-mini").CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello")]);

        Assert.Equal("Hello! How can I assist you today?", completion.Content[0].Text);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("generation", (string?)e["log_type"]);
        Assert.Equal("openai", (string?)e["provider"]);
        Assert.Equal("openai.chat.completions", (string?)e["name"]);
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal("gpt-4o-mini-2024-07-18", (string?)e["response_model"]);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.Equal("hello", (string?)e["prompt_messages"]![1]!["content"]);
        Assert.Equal("Hello! How can I assist you today?", (string?)e["completion_message"]!["content"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.NotNull(e["cost"]);
        Assert.True((double)e["latency"]! >= 0);
    }

    [Fact]
    public async Task CompleteChatStreamingAsync_OpenAISdkWithoutTransport_RecordsTheStream()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-chat-stream.sse", "text/event-stream"));
        var text = new StringBuilder();

        await foreach (var update in OpenAI(h.BaseUrl).GetChatClient("gpt-4o-mini").CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["stream"]!);
        Assert.Equal(text.ToString(), (string?)e["completion_message"]!["content"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.NotNull(e["time_to_first_token"]);
    }

    [Fact]
    public async Task CreateResponseAsync_OpenAIResponsesWithoutTransport_RecordsTheCall()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("openai-responses.json"));

        var response = await OpenAI(h.BaseUrl).GetResponsesClient().CreateResponseAsync("gpt-4o-mini", "hello", previousResponseId: null);

        Assert.NotNull(response.Value);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("openai.responses", (string?)e["name"]);
        Assert.Equal("hello", (string?)e["prompt_messages"]![0]!["content"]);
        Assert.NotNull(e["completion_message"]);
        Assert.True((int)e["total_tokens"]! > 0);
    }

    [Fact]
    public async Task GenerateEmbeddingsAsync_OpenAISdkWithoutTransport_RecordsAnEmbeddingEvent()
    {
        const string Body = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]},{"object":"embedding","index":1,"embedding":[0.4,0.5,0.6]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":6,"total_tokens":6}}""";
        await using var h = await ProcessWideHarness.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Body);
        });

        var embeddings = await OpenAI(h.BaseUrl).GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingsAsync(["first", "second"]);

        Assert.Equal(2, embeddings.Value.Count);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("embedding", (string?)e["log_type"]);
        Assert.Equal("openai.embeddings", (string?)e["name"]);
        Assert.Equal("text-embedding-3-small", (string?)e["model"]);
        Assert.Equal(6, (int)e["prompt_tokens"]!);
        Assert.Equal(2, (int)e["metadata"]!["embedding_count"]!);
        Assert.Equal("second", (string?)e["prompt_messages"]![1]!["content"]);
    }

    [Fact]
    public async Task MessagesCreate_AnthropicSdkWithoutHttpClient_RecordsTheCall()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("anthropic-messages.json"), ZespanProvider.Anthropic);

        var message = await Anthropic(h.BaseUrl).Messages.Create(new MessageCreateParams { Model = "claude-sonnet-4-5", MaxTokens = 100, Messages = [new UserMessageParam("Hello")] });

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Hi! My name is Claude.", text.Text);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("anthropic", (string?)e["provider"]);
        Assert.Equal("anthropic.messages", (string?)e["name"]);
        Assert.Equal("claude-sonnet-4-5", (string?)e["model"]);
        Assert.Equal("Hello", (string?)e["prompt_messages"]![0]!["content"]);
        Assert.Equal("Hi! My name is Claude.", (string?)e["completion_message"]!["content"]);
        Assert.Equal(2095, (int)e["prompt_tokens"]!);
        Assert.Equal(503, (int)e["completion_tokens"]!);
    }

    [Fact]
    public async Task MessagesCreateStreaming_AnthropicSdkWithoutHttpClient_RecordsTheStream()
    {
        await using var h = await ProcessWideHarness.StartAsync(ProcessWideHarness.Serve("anthropic-stream.sse", "text/event-stream"), ZespanProvider.Anthropic);
        var updates = 0;

        await foreach (var update in Anthropic(h.BaseUrl).Messages.CreateStreaming(new MessageCreateParams { Model = "claude-sonnet-4-5", MaxTokens = 100, Messages = [new UserMessageParam("Hello")] }))
        {
            updates++;
        }

        Assert.True(updates > 0);
        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["stream"]!);
        Assert.Equal("anthropic.messages", (string?)e["name"]);
        Assert.False(string.IsNullOrEmpty((string?)e["completion_message"]!["content"]));
        Assert.True((int)e["completion_tokens"]! > 0);
    }

    [Fact]
    public async Task MessagesCreate_AnthropicSdkGzipResponse_CallerAndEventSeeTheInflatedBody()
    {
        var json = Fixtures.Bytes("anthropic-messages.json");
        await using var h = await ProcessWideHarness.StartAsync(
            async (context, request) =>
            {
                context.Response.ContentType = "application/json";
                if (request.Header("Accept-Encoding")?.Contains("gzip", StringComparison.OrdinalIgnoreCase) == true)
                {
                    context.Response.Headers.ContentEncoding = "gzip";
                    await context.Response.Body.WriteAsync(Gzip(json));
                }
                else
                {
                    await context.Response.Body.WriteAsync(json);
                }
            },
            ZespanProvider.Anthropic);

        var message = await Anthropic(h.BaseUrl).Messages.Create(new MessageCreateParams { Model = "claude-sonnet-4-5", MaxTokens = 100, Messages = [new UserMessageParam("Hello")] });

        Assert.Contains("gzip", h.Provider.Requests[0].Header("Accept-Encoding"), StringComparison.OrdinalIgnoreCase); // the body went out compressed
        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Hi! My name is Claude.", text.Text);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("Hi! My name is Claude.", (string?)e["completion_message"]!["content"]);
        Assert.Equal(503, (int)e["completion_tokens"]!);
    }

    [Fact]
    public async Task SendAsync_PlainHttpClientToGemini_RecordsGenerateAndStream()
    {
        await using var h = await ProcessWideHarness.StartAsync(
            async (context, request) =>
            {
                var stream = request.Path.Contains(":streamGenerateContent", StringComparison.Ordinal);
                context.Response.ContentType = stream ? "text/event-stream" : "application/json";
                await context.Response.Body.WriteAsync(Fixtures.Bytes(stream ? "gemini-stream.sse" : "gemini-generate.json"));
            },
            ZespanProvider.Google);
        using var http = new HttpClient();
        var body = Fixtures.Text("gemini-generate.request.json");

        using var generated = await http.PostAsync(new Uri(h.BaseUrl, "v1beta/models/gemini-2.0-flash:generateContent"), new StringContent(body, Encoding.UTF8, "application/json"));
        var generatedBytes = await generated.Content.ReadAsByteArrayAsync();
        using var streamed = await http.PostAsync(new Uri(h.BaseUrl, "v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"), new StringContent(body, Encoding.UTF8, "application/json"));
        var streamedBytes = await streamed.Content.ReadAsByteArrayAsync();

        Assert.Equal(Fixtures.Bytes("gemini-generate.json"), generatedBytes);
        Assert.Equal(Fixtures.Bytes("gemini-stream.sse"), streamedBytes);
        var events = await h.FlushAsync();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("google", (string?)e["provider"]));
        Assert.All(events, e => Assert.Equal("gemini-2.0-flash", (string?)e["model"]));
        var generate = Assert.Single(events, e => !(bool)e["stream"]!);
        Assert.Equal("The capital of France is **Paris**.\n", (string?)generate["completion_message"]!["content"]);
        var stream = Assert.Single(events, e => (bool)e["stream"]!);
        Assert.Equal(16, (int)stream["total_tokens"]!);
    }

    [Fact]
    public async Task SendAsync_PlainHttpClientToBedrock_RecordsConverseAndConverseStream()
    {
        await using var h = await ProcessWideHarness.StartAsync(
            async (context, request) =>
            {
                var stream = request.Path.EndsWith("/converse-stream", StringComparison.Ordinal);
                context.Response.ContentType = stream ? "application/vnd.amazon.eventstream" : "application/json";
                await context.Response.Body.WriteAsync(Fixtures.Bytes(stream ? "bedrock-converse-stream.bin" : "bedrock-converse.json"));
            },
            ZespanProvider.Bedrock);
        using var http = new HttpClient();
        var body = Fixtures.Text("bedrock-converse.request.json");
        const string Model = "anthropic.claude-3-haiku-20240307-v1:0";

        using var converse = await http.PostAsync(new Uri(h.BaseUrl, $"model/{Uri.EscapeDataString(Model)}/converse"), new StringContent(body, Encoding.UTF8, "application/json"));
        var converseBytes = await converse.Content.ReadAsByteArrayAsync();
        using var streamRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(h.BaseUrl, $"model/{Uri.EscapeDataString(Model)}/converse-stream")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var streamed = await http.SendAsync(streamRequest, HttpCompletionOption.ResponseHeadersRead);
        var streamedBytes = await streamed.Content.ReadAsByteArrayAsync();

        Assert.Equal(Fixtures.Bytes("bedrock-converse.json"), converseBytes);
        Assert.Equal(Fixtures.Bytes("bedrock-converse-stream.bin"), streamedBytes);
        var events = await h.FlushAsync();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("bedrock", (string?)e["provider"]));
        Assert.All(events, e => Assert.Equal(Model, (string?)e["model"]));
        Assert.Equal(42, (int)Assert.Single(events, e => !(bool)e["stream"]!)["total_tokens"]!);
        Assert.Equal(12, (int)Assert.Single(events, e => (bool)e["stream"]!)["total_tokens"]!);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
