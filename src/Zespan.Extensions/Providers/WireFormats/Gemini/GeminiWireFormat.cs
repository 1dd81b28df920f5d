using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Gemini <c>generateContent</c> / <c>streamGenerateContent</c> (Google AI and Vertex AI): the model is in
/// the path, a stream is a JSON array unless <c>alt=sse</c> asks for server-sent events. Bodies are read by
/// <see cref="GeminiParser"/>.
/// </summary>
internal sealed class GeminiWireFormat : IWireFormat
{
    public static readonly GeminiWireFormat Instance = new();

    private GeminiWireFormat()
    {
    }

    public WireFamily Family => WireFamily.Gemini;

    public string OperationName => "generate_content";

    public string LogType => LogTypes.Generation;

    public ReadOnlySpan<byte> UsageKey => "\"usageMetadata\""u8;

    public void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context) => GeminiParser.ReadRequest(root, evt, context);

    public void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context) => GeminiParser.ReadResponse(root, evt, context);

    public bool StreamsByPath(LlmEndpoint endpoint) => endpoint.Operation == ProviderOperation.GeminiStreamGenerateContent;

    public StreamFraming DefaultFraming(LlmEndpoint endpoint) =>
        endpoint.AltSse ? StreamFraming.ServerSentEvents : StreamFraming.JsonArray;

    public IStreamAccumulator? CreateStreamAccumulator(ParseContext context) => new GeminiParser.StreamAccumulator(context);

    public IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context) => null;

    public void ReadUsage(JsonElement usage, ZespanEvent evt) => GeminiParser.ReadUsage(usage, evt);

    public RequestModelPlace ModelPlace(LlmEndpoint endpoint) => RequestModelPlace.PathSegment;

    public bool ReplaceLastUserMessage(JsonObject body, string text) => false;

    public bool ReplaceCompletion(JsonObject body, string text) => false;
}
