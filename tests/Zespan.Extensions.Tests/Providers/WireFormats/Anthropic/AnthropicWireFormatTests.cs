using System.Text.Json.Nodes;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

public class AnthropicWireFormatTests
{
    [Fact]
    public void For_AnthropicMessages_IsTheMessagesFormat() =>
        Assert.Same(AnthropicMessagesWireFormat.Instance, WireFormats.For(WireFamily.AnthropicMessages));

    [Fact]
    public void ModelPlace_MessagesAndVertexRawPredict_BodyOrPathSegment()
    {
        var messages = LlmEndpoint.Detect(ZespanProvider.Anthropic, new Uri("https://api.anthropic.com/v1/messages"));
        var vertex = LlmEndpoint.Detect(ZespanProvider.Google, new Uri("https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"));

        Assert.Equal(RequestModelPlace.Body, AnthropicMessagesWireFormat.Instance.ModelPlace(messages));
        Assert.Equal(RequestModelPlace.PathSegment, AnthropicMessagesWireFormat.Instance.ModelPlace(vertex));
    }

    [Fact]
    public void ReplaceLastUserMessage_RequestFixture_SetsTheUserContent()
    {
        var body = JsonNode.Parse(Fixtures.Bytes("anthropic-messages.request.json"))!.AsObject();

        Assert.True(AnthropicMessagesWireFormat.Instance.ReplaceLastUserMessage(body, "[redacted]"));
        Assert.Equal("[redacted]", (string?)body["messages"]![0]!["content"]);
    }

    [Fact]
    public void ReplaceCompletion_TextBlocks_KeepsOneBlockWithTheText()
    {
        var body = JsonNode.Parse("""{"type":"message","content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t"},{"type":"text","text":"b"}]}""")!.AsObject();

        Assert.True(AnthropicMessagesWireFormat.Instance.ReplaceCompletion(body, "[redacted]"));
        Assert.Equal("""[{"type":"text","text":"[redacted]"},{"type":"tool_use","id":"t"}]""", body["content"]!.ToJsonString());
    }
}
