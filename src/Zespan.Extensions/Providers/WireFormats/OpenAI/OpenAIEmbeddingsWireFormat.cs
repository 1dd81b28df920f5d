using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>OpenAI-style embeddings (<c>POST .../embeddings</c>): no stream, no completion. Bodies are read by <see cref="OpenAIEmbeddingsParser"/>.</summary>
internal sealed class OpenAIEmbeddingsWireFormat : IWireFormat
{
    public static readonly OpenAIEmbeddingsWireFormat Instance = new();

    private OpenAIEmbeddingsWireFormat()
    {
    }

    public WireFamily Family => WireFamily.OpenAIEmbeddings;

    public string OperationName => "embeddings";

    public string LogType => LogTypes.Embedding;

    public ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    public void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context) => OpenAIEmbeddingsParser.ReadRequest(root, evt, context);

    public void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context) => OpenAIEmbeddingsParser.ReadResponse(root, evt);

    public bool StreamsByPath(LlmEndpoint endpoint) => false;

    public StreamFraming DefaultFraming(LlmEndpoint endpoint) => StreamFraming.ServerSentEvents;

    public IStreamAccumulator? CreateStreamAccumulator(ParseContext context) => null;

    public IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context) => null;

    /// <summary>Read as a chat usage object (<c>prompt_tokens</c>, <c>total_tokens</c>, OpenRouter's <c>cost</c>).</summary>
    public void ReadUsage(JsonElement usage, ZespanEvent evt) => OpenAIChatParser.ApplyUsage(usage, evt);

    public RequestModelPlace ModelPlace(LlmEndpoint endpoint) => RequestModelPlace.Body;

    public bool ReplaceLastUserMessage(JsonObject body, string text) => false;

    public bool ReplaceCompletion(JsonObject body, string text) => false;
}
