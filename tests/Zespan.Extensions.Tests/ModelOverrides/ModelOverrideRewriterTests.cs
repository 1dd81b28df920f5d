using System.Text;
using System.Text.Json.Nodes;
using Zespan.Extensions.ModelOverrides.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tests.Providers;

namespace Zespan.Extensions.Tests.ModelOverrides;

public class ModelOverrideRewriterTests
{
    private static readonly List<ModelOverride> Rules =
    [
        new() { From = "gpt-4o", To = "gpt-4o-mini" },
        new() { From = "claude-sonnet-4-5", To = "claude-haiku-4-5", Provider = "anthropic" },
        new() { From = "gemini-2.5-pro", To = "gemini-2.5-flash" },
        new() { From = "amazon.nova-pro-v1:0", To = "amazon.nova-lite-v1:0" },
    ];

    [Theory]
    [InlineData("gpt-4o", "openai", null, "gpt-4o-mini")]
    [InlineData("GPT-4o", "openai", null, "gpt-4o-mini")]
    [InlineData("gpt-4o", "groq", null, "gpt-4o-mini")]
    [InlineData("claude-sonnet-4-5", "anthropic", null, "claude-haiku-4-5")]
    [InlineData("claude-sonnet-4-5", "openrouter", null, null)]
    [InlineData("claude-sonnet-4-5", "openai", "anthropic", "claude-haiku-4-5")]
    [InlineData("gpt-4o-mini", "openai", null, null)]
    [InlineData(null, "openai", null, null)]
    public void Resolve_Rules_FirstMatchWins(string? model, string provider, string? label, string? expected)
    {
        Assert.Equal(expected, ModelOverrideRewriter.Resolve(Rules, model, provider, label));
    }

    [Fact]
    public async Task Apply_JsonBody_ReplacesOnlyTheModelToken()
    {
        var body = "{\n  \"messages\": [{\"role\":\"user\",\"content\":\"model: gpt-4o\", \"model\": \"gpt-4o\"}],\n  \"model\" :  \"gpt-4o\" ,\n  \"metadata\": {\"model\":\"gpt-4o\"}\n}"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation("X-Custom", "1");
        var endpoint = LlmEndpoint.Detect(ZespanProvider.OpenAI, request.RequestUri!);

        var result = ModelOverrideRewriter.Apply(request, endpoint, body, Rules);

        Assert.True(result.Applied);
        Assert.Equal("gpt-4o", result.RequestedModel);
        Assert.Equal("gpt-4o-mini", result.SentModel);
        var sent = await request.Content!.ReadAsByteArrayAsync();
        var expected = Encoding.UTF8.GetString(body).Replace("\"model\" :  \"gpt-4o\" ,", "\"model\" :  \"gpt-4o-mini\" ,", StringComparison.Ordinal);
        Assert.Equal(expected, Encoding.UTF8.GetString(sent));
        Assert.Equal("application/json", request.Content.Headers.ContentType!.MediaType);
        Assert.Equal(sent.Length, request.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData(new byte[] { 0x5C, 0x75, 0x44, 0x38, 0x30, 0x30 })] // \uD800: a lone surrogate escape
    [InlineData(new byte[] { 0xC3, 0x28 })] // invalid UTF-8
    public void TryFindModel_UndecodableValue_FoundInexactNeverThrows(byte[] middle)
    {
        byte[] body = [.. "{\"model\":\"gpt-4o"u8, .. middle, .. "\"}"u8];

        Assert.True(ModelOverrideRewriter.TryFindModel(body, out var location));

        Assert.False(location.Exact);
        Assert.StartsWith("gpt-4o", location.Value, StringComparison.Ordinal);
        Assert.Equal(body.Length - 10, location.Length);
    }

    [Fact]
    public async Task Apply_UndecodableModel_BodyLeftAsItIs()
    {
        var body = "{\"model\":\"gpt-4o\\uDC00\"}"u8.ToArray();
        List<ModelOverride> rules = [new() { From = "gpt-4o\\uDC00", To = "gpt-4o-mini" }];
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new ByteArrayContent(body) };

        var result = ModelOverrideRewriter.Apply(request, LlmEndpoint.Detect(ZespanProvider.OpenAI, request.RequestUri!), body, rules);

        Assert.False(result.Applied);
        Assert.Equal(ModelOverrideSkip.Unreadable, result.Skip);
        Assert.Equal(body, await request.Content!.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Apply_TargetWithLoneSurrogate_BodyLeftAsItIs()
    {
        var body = "{\"model\":\"gpt-4o\"}"u8.ToArray();
        List<ModelOverride> rules = [new() { From = "gpt-4o", To = "gpt-\uD800" }];
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new ByteArrayContent(body) };

        var result = ModelOverrideRewriter.Apply(request, LlmEndpoint.Detect(ZespanProvider.OpenAI, request.RequestUri!), body, rules);

        Assert.False(result.Applied);
        Assert.Equal(ModelOverrideSkip.Unreadable, result.Skip);
        Assert.Equal(body, await request.Content!.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Apply_EscapedModelValue_IsMatchedUnescaped()
    {
        var body = "{\"model\":\"gpt\\u002d4o\",\"stream\":true}"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new ByteArrayContent(body) };

        var result = ModelOverrideRewriter.Apply(request, LlmEndpoint.Detect(ZespanProvider.OpenAI, request.RequestUri!), body, Rules);

        Assert.True(result.Applied);
        Assert.Equal("{\"model\":\"gpt-4o-mini\",\"stream\":true}", await request.Content!.ReadAsStringAsync());
    }

    [Fact]
    public void Apply_NoMatchingRule_LeavesContentUntouched()
    {
        var body = Fixtures.Bytes("openai-chat.request.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new ByteArrayContent(body) };
        var original = request.Content;

        var result = ModelOverrideRewriter.Apply(request, LlmEndpoint.Detect(ZespanProvider.OpenAI, request.RequestUri!), body, Rules);

        Assert.False(result.Applied);
        Assert.Equal("gpt-4o-mini", result.RequestedModel);
        Assert.Same(original, request.Content);
    }

    [Fact]
    public void Apply_GeminiPath_RewritesModelSegmentAndKeepsQuery()
    {
        var body = Fixtures.Bytes("gemini-generate.request.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=abc") { Content = new ByteArrayContent(body) };
        var original = request.Content;

        var result = ModelOverrideRewriter.Apply(request, LlmEndpoint.Detect(ZespanProvider.Google, request.RequestUri!), body, Rules);

        Assert.True(result.Applied);
        Assert.Equal("gemini-2.5-pro", result.RequestedModel);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=abc", request.RequestUri!.ToString());
        Assert.Same(original, request.Content);
    }

    [Fact]
    public void Apply_Bedrock_IsNeverRewritten()
    {
        var body = Fixtures.Bytes("bedrock-converse.request.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse") { Content = new ByteArrayContent(body) };
        var uri = request.RequestUri;
        var original = request.Content;

        var result = ModelOverrideRewriter.Apply(request, LlmEndpoint.Detect(ZespanProvider.Bedrock, uri!), body, Rules);

        Assert.False(result.Applied);
        Assert.Equal(ModelOverrideSkip.SignedBedrockRequest, result.Skip);
        Assert.Same(uri, request.RequestUri);
        Assert.Same(original, request.Content);
    }

    [Fact]
    public void Apply_AzureDeployment_IsNotRewritten()
    {
        var body = Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=1") { Content = new ByteArrayContent(body) };
        var original = request.Content;

        var result = ModelOverrideRewriter.Apply(request, LlmEndpoint.Detect(ZespanProvider.OpenAI, request.RequestUri!), body, Rules);

        Assert.False(result.Applied);
        Assert.Equal(ModelOverrideSkip.AzureDeployment, result.Skip);
        Assert.Same(original, request.Content);
    }

    [Fact]
    public async Task ReadAllAsync_ThenApply_SendsRewrittenBodyToServer()
    {
        await using var server = await LoopbackServer.StartAsync();
        var body = Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "v1/chat/completions")) { Content = new StreamContent(new MemoryStream(body)) };
        var endpoint = LlmEndpoint.Detect(ZespanProvider.OpenAI, request.RequestUri!);
        var full = await RequestBodyCapture.ReadAllAsync(request, CancellationToken.None);

        var result = ModelOverrideRewriter.Apply(request, endpoint, full, Rules);
        using var client = new HttpClient();
        (await client.SendAsync(request)).Dispose();

        Assert.True(result.Applied);
        var received = Assert.Single(server.Received);
        Assert.Equal("gpt-4o-mini", (string)JsonNode.Parse(received.Body)!["model"]!);
        Assert.Equal(Encoding.UTF8.GetString(body).Replace("gpt-4o", "gpt-4o-mini", StringComparison.Ordinal), Encoding.UTF8.GetString(received.Body));
    }
}
