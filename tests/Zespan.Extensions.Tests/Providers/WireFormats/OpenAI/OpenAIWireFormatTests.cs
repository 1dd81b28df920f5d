using System.Text.Json.Nodes;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

public class OpenAIWireFormatTests
{
    private static readonly LlmEndpoint Chat = LlmEndpoint.Detect(ZespanProvider.OpenAI, new Uri("https://api.openai.com/v1/chat/completions"));

    [Fact]
    public void For_OpenAIChat_IsTheChatFormat() =>
        Assert.Same(OpenAIChatWireFormat.Instance, WireFormats.For(WireFamily.OpenAIChat));

    [Fact]
    public void For_OpenAIResponses_IsTheResponsesFormat() =>
        Assert.Same(OpenAIResponsesWireFormat.Instance, WireFormats.For(WireFamily.OpenAIResponses));

    [Fact]
    public void For_OpenAIEmbeddings_IsTheEmbeddingsFormat() =>
        Assert.Same(OpenAIEmbeddingsWireFormat.Instance, WireFormats.For(WireFamily.OpenAIEmbeddings));

    [Fact]
    public void Chat_Endpoint_StreamsAsSseAndKeepsItsModelInTheBody()
    {
        var format = OpenAIChatWireFormat.Instance;

        Assert.False(format.StreamsByPath(Chat));
        Assert.Equal(StreamFraming.ServerSentEvents, format.DefaultFraming(Chat));
        Assert.NotNull(format.CreateStreamAccumulator(new ParseContext(true, 1000)));
        Assert.Null(format.CreateEventStreamAccumulator(new ParseContext(true, 1000)));
        Assert.Equal(RequestModelPlace.Body, format.ModelPlace(Chat));
    }

    [Fact]
    public void ReplaceLastUserMessage_ChatRequestFixture_SetsTheUserContent()
    {
        var body = Parse("openai-chat.request.json");

        Assert.True(OpenAIChatWireFormat.Instance.ReplaceLastUserMessage(body, "[redacted]"));
        Assert.Equal("[redacted]", (string?)body["messages"]![0]!["content"]);
    }

    [Fact]
    public void ReplaceCompletion_ChatFixture_SetsTheFirstChoice()
    {
        var body = Parse("openai-chat.json");

        Assert.True(OpenAIChatWireFormat.Instance.ReplaceCompletion(body, "[redacted]"));
        Assert.Equal("[redacted]", (string?)body["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public void ReplaceLastUserMessage_ResponsesInput_ReplacesAStringOrTheLastUserItem()
    {
        var items = Parse("openai-responses.request.json");
        var text = JsonNode.Parse("""{"model":"gpt-4o-mini","input":"hello"}""")!.AsObject();

        Assert.True(OpenAIResponsesWireFormat.Instance.ReplaceLastUserMessage(items, "[redacted]"));
        Assert.Equal("[redacted]", (string?)items["input"]![0]!["content"]);
        Assert.True(OpenAIResponsesWireFormat.Instance.ReplaceLastUserMessage(text, "[redacted]"));
        Assert.Equal("[redacted]", (string?)text["input"]);
    }

    [Fact]
    public void ReplaceCompletion_ResponsesFixture_SetsTheOutputText()
    {
        var body = Parse("openai-responses.json");

        Assert.True(OpenAIResponsesWireFormat.Instance.ReplaceCompletion(body, "[redacted]"));
        var part = Assert.Single(body["output"]![0]!["content"]!.AsArray());
        Assert.Equal("[redacted]", (string?)part!["text"]);
    }

    [Fact]
    public void Embeddings_Body_HasNoStreamAndNoTextToRewrite()
    {
        var format = OpenAIEmbeddingsWireFormat.Instance;
        var body = JsonNode.Parse("""{"model":"text-embedding-3-small","input":"hello"}""")!.AsObject();

        Assert.Null(format.CreateStreamAccumulator(new ParseContext(true, 1000)));
        Assert.False(format.ReplaceLastUserMessage(body, "[redacted]"));
        Assert.False(format.ReplaceCompletion(body, "[redacted]"));
    }

    private static JsonObject Parse(string fixture) => JsonNode.Parse(Fixtures.Bytes(fixture))!.AsObject();
}
