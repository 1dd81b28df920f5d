using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Zespan.Extensions.Tests.Diagnostics;
using Zespan.Extensions.ModelOverrides.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tests.Providers;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.ModelOverrides;

/// <summary>
/// <see cref="ZespanInstrumentationOptions.IncludeStreamUsage"/> and, for streams that report no usage, the token
/// estimate. The fake provider answers like OpenAI: with a usage chunk only when the request asks for one.
/// </summary>
[Collection(ActivityListenerCollection.Name)]
public class StreamUsageRewriterTests
{
    private const string StreamRequest = """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hello"}]}""";

    /// <summary>An OpenAI-like stream: the usage-only chunk comes when <c>stream_options.include_usage</c> is true.</summary>
    private static async Task OpenAIStream(HttpContext context, RecordedRequest request)
    {
        var body = JsonNode.Parse(request.Body);
        var withUsage = (bool?)body?["stream_options"]?["include_usage"] == true;
        context.Response.ContentType = "text/event-stream";
        await context.Response.Body.WriteAsync(Fixtures.Bytes(withUsage ? "openai-chat-stream.sse" : "openai-chat-stream-nousage.sse"));
    }

    private static Action<IServiceCollection, Uri> Client(bool includeStreamUsage) =>
        (services, _) => services.AddHttpClient("openai").AddZespanOpenAI(o => o.IncludeStreamUsage = includeStreamUsage);

    private static ChatClient OpenAIChat(HttpClient http, Uri baseUrl) =>
        new("gpt-4o-mini", new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    private static async Task<string> PostAsync(HttpClient http, Uri baseUrl, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(baseUrl, "v1/chat/completions"), content);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true,"messages":[]}""", """{"stream_options":{"include_usage":true},"model":"m","stream":true,"messages":[]}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{}}""", """{"model":"m","stream":true,"stream_options":{"include_usage":true}}""")]
    [InlineData("""{"model":"m","stream_options":{"x":1},"stream":true}""", """{"model":"m","stream_options":{"include_usage":true,"x":1},"stream":true}""")]
    [InlineData(" {\n  \"stream\": true\n}", " {\"stream_options\":{\"include_usage\":true},\n  \"stream\": true\n}")]
    public void Rewrite_StreamWithoutIncludeUsage_AsksForUsageAndKeepsEveryOtherByte(string body, string expected) =>
        Assert.Equal(expected, Encoding.UTF8.GetString(StreamUsageRewriter.Rewrite(Encoding.UTF8.GetBytes(body))!));

    [Theory]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":false}}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":null}""")]
    [InlineData("""{"model":"m","stream":false}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"\"stream\": true"}]}""")]
    [InlineData("""{"model":"m","metadata":{"stream":true}}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""not json""")]
    [InlineData("")]
    public void Rewrite_NothingToAsk_LeavesTheBodyAlone(string body) =>
        Assert.Null(StreamUsageRewriter.Rewrite(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions", true)]
    [InlineData(ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", true)]
    [InlineData(ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", true)]
    [InlineData(ZespanProvider.LiteLlm, "http://litellm:4000/v1/chat/completions", true)]
    [InlineData(ZespanProvider.Mistral, "https://api.mistral.ai/v1/chat/completions", false)]
    [InlineData(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", false)]
    [InlineData(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", false)]
    public void AppliesTo_Endpoint_OnlyChatCompletionsOfVendorsThatTakeStreamOptions(ZespanProvider provider, string url, bool applies) =>
        Assert.Equal(applies, StreamUsageRewriter.AppliesTo(LlmEndpoint.Detect(provider, new Uri(url))));

    [Fact]
    public async Task IncludeStreamUsage_OpenAISdkStreamingApi_CallerUpdatesUnchangedAndUsageRecorded()
    {
        await using var h = await InstrumentationHarness.StartAsync(OpenAIStream, Client(includeStreamUsage: true));
        var bare = OpenAIChat(new HttpClient(), h.Provider.BaseUrl);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        var expected = await ReadAsync(bare.CompleteChatStreamingAsync([new UserChatMessage("hello")]));
        var actual = await ReadAsync(traced.CompleteChatStreamingAsync([new UserChatMessage("hello")]));

        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.FinishReason, actual.FinishReason);
        Assert.Equal(expected.Updates, actual.Updates);
        Assert.Equal(17, actual.TotalTokens);
        var sent = JsonNode.Parse(h.Provider.Requests[^1].Body)!;
        Assert.True((bool)sent["stream_options"]!["include_usage"]!);
        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["stream"]!);
        Assert.Equal(8, (int)e["prompt_tokens"]!);
        Assert.Equal(9, (int)e["completion_tokens"]!);
        Assert.Equal(5, (int)e["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(90, (int)e["completion_tokens_details"]!["reasoning_tokens"]!);
        Assert.Equal("estimated", (string?)e["cost_status"]);
        Assert.Null(e["metadata"]?["usage_status"]);
    }

    [Fact]
    public async Task IncludeStreamUsage_RequestWithoutStreamOptions_IsAskedForUsageAndTheCallerSeesTheUsageChunk()
    {
        await using var h = await InstrumentationHarness.StartAsync(OpenAIStream, Client(includeStreamUsage: true));

        var stream = await PostAsync(h.Factory.CreateClient("openai"), h.Provider.BaseUrl, StreamRequest);

        var sent = JsonNode.Parse(h.Provider.Requests[^1].Body)!;
        Assert.True((bool)sent["stream_options"]!["include_usage"]!);
        Assert.Equal("gpt-4o-mini", (string?)sent["model"]);
        Assert.Contains("\"choices\":[],\"usage\"", stream, StringComparison.Ordinal); // the documented extra chunk
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(17, (int)e["total_tokens"]!);
    }

    [Fact]
    public async Task IncludeStreamUsage_RequestSaysIncludeUsageFalse_IsSentUnchanged()
    {
        await using var h = await InstrumentationHarness.StartAsync(OpenAIStream, Client(includeStreamUsage: true));
        const string body = """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":false},"messages":[{"role":"user","content":"hello"}]}""";

        await PostAsync(h.Factory.CreateClient("openai"), h.Provider.BaseUrl, body);

        Assert.Equal(body, h.Provider.Requests[^1].BodyText);
    }

    [Fact]
    public async Task StreamWithoutUsage_OptionOff_TokensEstimatedAndMarked()
    {
        await using var h = await InstrumentationHarness.StartAsync(OpenAIStream, Client(includeStreamUsage: false));

        var stream = await PostAsync(h.Factory.CreateClient("openai"), h.Provider.BaseUrl, StreamRequest);

        Assert.Equal(StreamRequest, h.Provider.Requests[^1].BodyText);
        Assert.DoesNotContain("\"usage\"", stream, StringComparison.Ordinal);
        var e = Assert.Single(await h.FlushAsync());
        AssertEstimated(e);
    }

    [Fact]
    public async Task StreamWithoutUsage_ActivityListening_EstimatedOffTheCallerPathAndSent()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Zespan",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var h = await InstrumentationHarness.StartAsync(OpenAIStream, Client(includeStreamUsage: false));

        await PostAsync(h.Factory.CreateClient("openai"), h.Provider.BaseUrl, StreamRequest);

        var e = Assert.Single(await h.FlushAsync());
        AssertEstimated(e);
    }

    /// <summary>
    /// o200k_base (gpt-4o-mini): "hello" from the user is 3 + 1 (role) + 1 + 3 (reply priming) = 8 prompt tokens and
    /// "Hello! How can I assist you today?" is 9, exactly what the API reports for the same call with usage.
    /// </summary>
    private static void AssertEstimated(JsonObject e)
    {
        Assert.Equal(8, (int)e["prompt_tokens"]!);
        Assert.Equal(9, (int)e["completion_tokens"]!);
        Assert.Equal(17, (int)e["total_tokens"]!);
        Assert.Equal("estimated", (string?)e["metadata"]!["usage_status"]);
        Assert.Null(e["prompt_tokens_details"]);
        Assert.Equal("estimated", (string?)e["cost_status"]);
        Assert.Equal(((8 * 0.15) + (9 * 0.60)) / 1e6, (double)e["cost"]!, 12);
    }

    private static async Task<(string Text, string? FinishReason, int Updates, int? TotalTokens)> ReadAsync(AsyncCollectionResult<StreamingChatCompletionUpdate> updates)
    {
        var text = new StringBuilder();
        string? finish = null;
        int? total = null;
        var count = 0;
        await foreach (var update in updates)
        {
            count++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish = update.FinishReason?.ToString() ?? finish;
            total = update.Usage?.TotalTokenCount ?? total;
        }

        return (text.ToString(), finish, count, total);
    }
}
