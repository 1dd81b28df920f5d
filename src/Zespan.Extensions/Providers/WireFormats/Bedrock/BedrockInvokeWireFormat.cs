using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Bedrock InvokeModel and InvokeModelWithResponseStream (<c>/model/{modelId}/invoke[-with-response-stream]</c>):
/// the body is the model family's own, the model is in a SigV4-signed path, the stream is an AWS event
/// stream of <c>chunk</c> events. Bodies are read by <see cref="BedrockInvokeParser"/>.
/// </summary>
internal sealed class BedrockInvokeWireFormat : IWireFormat
{
    public static readonly BedrockInvokeWireFormat Instance = new();

    private BedrockInvokeWireFormat()
    {
    }

    public WireFamily Family => WireFamily.BedrockInvoke;

    public string OperationName => "invoke_model";

    public string LogType => LogTypes.Generation;

    public ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    public void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context) => BedrockInvokeParser.ReadRequest(root, evt, context);

    public void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context) => BedrockInvokeParser.ReadResponse(root, evt, context);

    public bool StreamsByPath(LlmEndpoint endpoint) => endpoint.Operation == ProviderOperation.BedrockInvokeStream;

    public StreamFraming DefaultFraming(LlmEndpoint endpoint) =>
        endpoint.Operation == ProviderOperation.BedrockInvokeStream ? StreamFraming.EventStream : StreamFraming.ServerSentEvents;

    /// <summary>An InvokeModel stream served as server-sent events (a proxy in front of Bedrock): Anthropic events.</summary>
    public IStreamAccumulator? CreateStreamAccumulator(ParseContext context) => new AnthropicMessagesParser.StreamAccumulator(context);

    public IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context) => new BedrockInvokeParser.StreamAccumulator(context);

    /// <summary>An Anthropic usage object (it names <c>output_tokens</c>), else a Converse-shaped one (Amazon Nova).</summary>
    public void ReadUsage(JsonElement usage, ZespanEvent evt)
    {
        if (usage.TryProp("output_tokens", out _))
        {
            AnthropicMessagesParser.SetUsage(evt, usage.ToNode() as JsonObject);
        }
        else
        {
            BedrockConverseParser.SetUsage(evt, usage);
        }
    }

    public RequestModelPlace ModelPlace(LlmEndpoint endpoint) => RequestModelPlace.SignedPath;

    public bool ReplaceLastUserMessage(JsonObject body, string text) => false;

    public bool ReplaceCompletion(JsonObject body, string text) => false;
}
