using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Bedrock Converse and ConverseStream (<c>/model/{modelId}/converse[-stream]</c>): the model is in a
/// SigV4-signed path, the stream is an AWS event stream. Bodies are read by <see cref="BedrockConverseParser"/>.
/// </summary>
internal sealed class BedrockConverseWireFormat : IWireFormat
{
    public static readonly BedrockConverseWireFormat Instance = new();

    private BedrockConverseWireFormat()
    {
    }

    public WireFamily Family => WireFamily.BedrockConverse;

    public string OperationName => "converse";

    public string LogType => LogTypes.Generation;

    public ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    public void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context) => BedrockConverseParser.ReadRequest(root, evt, context);

    public void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context) => BedrockConverseParser.ReadResponse(root, evt, context);

    public bool StreamsByPath(LlmEndpoint endpoint) => endpoint.Operation == ProviderOperation.BedrockConverseStream;

    public StreamFraming DefaultFraming(LlmEndpoint endpoint) =>
        endpoint.Operation == ProviderOperation.BedrockConverseStream ? StreamFraming.EventStream : StreamFraming.ServerSentEvents;

    /// <summary>Converse has no server-sent-event form.</summary>
    public IStreamAccumulator? CreateStreamAccumulator(ParseContext context) => null;

    public IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context) => new BedrockConverseParser.StreamAccumulator(context);

    public void ReadUsage(JsonElement usage, ZespanEvent evt) => BedrockConverseParser.SetUsage(evt, usage);

    public RequestModelPlace ModelPlace(LlmEndpoint endpoint) => RequestModelPlace.SignedPath;

    public bool ReplaceLastUserMessage(JsonObject body, string text) => false;

    public bool ReplaceCompletion(JsonObject body, string text) => false;
}
