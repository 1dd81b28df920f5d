using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>The OpenAI Responses API (<c>POST .../responses</c>). Bodies are read by <see cref="OpenAIResponsesParser"/>.</summary>
internal sealed class OpenAIResponsesWireFormat : IWireFormat
{
    public static readonly OpenAIResponsesWireFormat Instance = new();

    private OpenAIResponsesWireFormat()
    {
    }

    public WireFamily Family => WireFamily.OpenAIResponses;

    public string OperationName => "responses";

    public string LogType => LogTypes.Response;

    public ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    public void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context) => OpenAIResponsesParser.ReadRequest(root, evt, context);

    public void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context) => OpenAIResponsesParser.ReadResponse(root, evt, context);

    public bool StreamsByPath(LlmEndpoint endpoint) => false;

    public StreamFraming DefaultFraming(LlmEndpoint endpoint) => StreamFraming.ServerSentEvents;

    public IStreamAccumulator? CreateStreamAccumulator(ParseContext context) => new OpenAIResponsesParser.StreamAccumulator(context);

    public IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context) => null;

    public void ReadUsage(JsonElement usage, ZespanEvent evt) => OpenAIResponsesParser.ReadUsage(usage, evt);

    public RequestModelPlace ModelPlace(LlmEndpoint endpoint) => RequestModelPlace.Body;

    /// <summary>A string <c>input</c> is replaced whole; in an item list, the last user item's content.</summary>
    public bool ReplaceLastUserMessage(JsonObject body, string text)
    {
        if (body["input"] is JsonValue)
        {
            body["input"] = text;
            return true;
        }

        if (body["input"] is JsonArray items && JsonNodeEdits.LastWithRole(items, "user") is { } item)
        {
            item["content"] = text;
            return true;
        }

        return false;
    }

    /// <summary>The <c>output_text</c> parts of the first <c>message</c> output item that has one.</summary>
    public bool ReplaceCompletion(JsonObject body, string text)
    {
        if (body["output"] is JsonArray output)
        {
            foreach (var entry in output)
            {
                if (entry is JsonObject o && JsonNodeEdits.StringOf(o["type"]) == "message" && o["content"] is JsonArray parts && JsonNodeEdits.ReplaceTextParts(parts, "output_text", "text", text))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
