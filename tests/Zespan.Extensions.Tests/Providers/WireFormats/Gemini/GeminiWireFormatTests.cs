using System.Text.Json.Nodes;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

public class GeminiWireFormatTests
{
    private const string Models = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash";

    [Fact]
    public void For_Gemini_IsTheGeminiFormat() =>
        Assert.Same(GeminiWireFormat.Instance, WireFormats.For(WireFamily.Gemini));

    [Fact]
    public void StreamGenerateContent_WithAndWithoutAltSse_StreamsAsJsonArrayOrSse()
    {
        var array = LlmEndpoint.Detect(ZespanProvider.Google, new Uri(Models + ":streamGenerateContent"));
        var sse = LlmEndpoint.Detect(ZespanProvider.Google, new Uri(Models + ":streamGenerateContent?alt=sse"));
        var generate = LlmEndpoint.Detect(ZespanProvider.Google, new Uri(Models + ":generateContent"));
        var format = GeminiWireFormat.Instance;

        Assert.True(format.StreamsByPath(array));
        Assert.False(format.StreamsByPath(generate));
        Assert.Equal(StreamFraming.JsonArray, format.DefaultFraming(array));
        Assert.Equal(StreamFraming.ServerSentEvents, format.DefaultFraming(sse));
        Assert.Equal(RequestModelPlace.PathSegment, format.ModelPlace(generate));
    }

    [Fact]
    public void Replace_GeminiBodies_AreNotRewritten()
    {
        var request = JsonNode.Parse(Fixtures.Bytes("gemini-generate.request.json"))!.AsObject();
        var response = JsonNode.Parse(Fixtures.Bytes("gemini-generate.json"))!.AsObject();

        Assert.False(GeminiWireFormat.Instance.ReplaceLastUserMessage(request, "[redacted]"));
        Assert.False(GeminiWireFormat.Instance.ReplaceCompletion(response, "[redacted]"));
    }
}
