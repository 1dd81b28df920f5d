using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The Anthropic Messages API (<c>POST /v1/messages</c>, and Vertex AI's <c>:rawPredict</c> /
/// <c>:streamRawPredict</c> on Anthropic models, where the model is in the path). Bodies are read by
/// <see cref="AnthropicMessagesParser"/>.
/// </summary>
internal sealed class AnthropicMessagesWireFormat : IWireFormat
{
    public static readonly AnthropicMessagesWireFormat Instance = new();

    private AnthropicMessagesWireFormat()
    {
    }

    public WireFamily Family => WireFamily.AnthropicMessages;

    public string OperationName => "messages";

    public string LogType => LogTypes.Generation;

    public ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    public void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context) => AnthropicMessagesParser.ReadRequest(root, evt, context);

    public void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context) => AnthropicMessagesParser.ReadResponse(root, evt, context);

    public bool StreamsByPath(LlmEndpoint endpoint) => false;

    public StreamFraming DefaultFraming(LlmEndpoint endpoint) => StreamFraming.ServerSentEvents;

    public IStreamAccumulator? CreateStreamAccumulator(ParseContext context) => new AnthropicMessagesParser.StreamAccumulator(context);

    public IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context) => null;

    /// <summary>An Anthropic usage object names <c>output_tokens</c>; one without it is not read.</summary>
    public void ReadUsage(JsonElement usage, ZespanEvent evt)
    {
        if (usage.TryProp("output_tokens", out _))
        {
            AnthropicMessagesParser.SetUsage(evt, usage.ToNode() as JsonObject);
        }
    }

    /// <summary>The body's <c>model</c>; on Vertex AI the path's model segment.</summary>
    public RequestModelPlace ModelPlace(LlmEndpoint endpoint) =>
        endpoint.PathModel is not null ? RequestModelPlace.PathSegment : RequestModelPlace.Body;

    public bool ReplaceLastUserMessage(JsonObject body, string text)
    {
        if (body["messages"] is JsonArray messages && JsonNodeEdits.LastWithRole(messages, "user") is { } message)
        {
            message["content"] = text;
            return true;
        }

        return false;
    }

    /// <summary>The first <c>text</c> block takes the text; the other text blocks are dropped.</summary>
    public bool ReplaceCompletion(JsonObject body, string text) =>
        body["content"] is JsonArray blocks && JsonNodeEdits.ReplaceTextParts(blocks, "text", "text", text);
}
