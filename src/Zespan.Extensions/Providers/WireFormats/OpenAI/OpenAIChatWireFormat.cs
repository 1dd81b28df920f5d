using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// OpenAI chat completions (<c>POST .../chat/completions</c>) and every vendor that speaks it: Azure OpenAI,
/// Mistral, Groq, OpenRouter, LiteLLM, Gemini's OpenAI endpoint. Bodies are read by <see cref="OpenAIChatParser"/>.
/// </summary>
internal sealed class OpenAIChatWireFormat : IWireFormat
{
    public static readonly OpenAIChatWireFormat Instance = new();

    private OpenAIChatWireFormat()
    {
    }

    public WireFamily Family => WireFamily.OpenAIChat;

    public string OperationName => "chat.completions";

    public string LogType => LogTypes.Generation;

    public ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    public void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context) => OpenAIChatParser.ReadRequest(root, evt, context);

    public void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context) => OpenAIChatParser.ReadResponse(root, evt, context);

    public bool StreamsByPath(LlmEndpoint endpoint) => false;

    public StreamFraming DefaultFraming(LlmEndpoint endpoint) => StreamFraming.ServerSentEvents;

    public IStreamAccumulator? CreateStreamAccumulator(ParseContext context) => new OpenAIChatParser.StreamAccumulator(context);

    public IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context) => null;

    public void ReadUsage(JsonElement usage, ZespanEvent evt) => OpenAIChatParser.ApplyUsage(usage, evt);

    public RequestModelPlace ModelPlace(LlmEndpoint endpoint) => RequestModelPlace.Body;

    public bool ReplaceLastUserMessage(JsonObject body, string text)
    {
        if (body["messages"] is JsonArray messages && JsonNodeEdits.LastWithRole(messages, "user") is { } message)
        {
            message["content"] = text;
            return true;
        }

        return false;
    }

    public bool ReplaceCompletion(JsonObject body, string text)
    {
        if (body["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["message"] is JsonObject message)
        {
            message["content"] = text;
            return true;
        }

        return false;
    }
}
