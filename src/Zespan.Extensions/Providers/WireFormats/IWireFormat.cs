using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Everything Zespan knows about one wire format (the bodies of one API, whichever vendor serves it): how
/// its request and response read into an event, how its stream is framed and rebuilt, where its usage sits
/// in the kept tail of a cut body, where its model lives for a model override, and how a guardrail
/// <c>redact</c> verdict is written into its bodies. The generic code (<see cref="ProviderEventBuilder"/>,
/// <see cref="ProviderStreamParser"/>, the model-override rewriter, the guardrail body rewriter) asks the
/// format and never switches on <see cref="WireFamily"/>.
/// </summary>
/// <remarks>
/// Implementations are stateless singletons registered in <see cref="WireFormats"/>; none throws on a body
/// of an unexpected shape (it leaves the fields it could not read empty). Error bodies are not a member:
/// vendors that share a wire format (the OpenAI-compatible ones) differ in error shape, so
/// <see cref="ErrorReader"/> reads every error by its shape, whatever the format.
/// </remarks>
internal interface IWireFormat
{
    /// <summary>Gets the family this format reads.</summary>
    WireFamily Family { get; }

    /// <summary>Gets the part of the event <c>name</c> after the provider (<c>chat.completions</c> in <c>openai.chat.completions</c>).</summary>
    string OperationName { get; }

    /// <summary>Gets the event's <c>log_type</c> (<see cref="LogTypes"/>).</summary>
    string LogType { get; }

    /// <summary>Reads a request body: model, stream flag, prompt messages (within the prompt budget).</summary>
    void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext context);

    /// <summary>Reads a response body that is not a captured stream (the root may be an array: a whole streamed JSON array).</summary>
    void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext context);

    /// <summary>Whether the endpoint streams whatever the response's content type says (a streamed JSON array, an event stream).</summary>
    bool StreamsByPath(LlmEndpoint endpoint);

    /// <summary>The framing of a stream whose content type does not name one.</summary>
    StreamFraming DefaultFraming(LlmEndpoint endpoint);

    /// <summary>Creates the accumulator of a stream of server-sent events or JSON-array elements, or null when the format has none.</summary>
    IStreamAccumulator? CreateStreamAccumulator(ParseContext context);

    /// <summary>Creates the accumulator of an AWS event stream, or null when the format has none.</summary>
    IEventStreamAccumulator? CreateEventStreamAccumulator(ParseContext context);

    /// <summary>Gets the quoted JSON property name of the usage object (<c>"usage"</c>), looked for in the kept tail of a cut body.</summary>
    ReadOnlySpan<byte> UsageKey { get; }

    /// <summary>Reads a usage object found in the tail of a cut body onto the event's tokens and usage.</summary>
    void ReadUsage(JsonElement usage, ZespanEvent evt);

    /// <summary>Where the request's model lives, for model overrides.</summary>
    RequestModelPlace ModelPlace(LlmEndpoint endpoint);

    /// <summary>Replaces the text of the request's last user message (a guardrail redact); false when the body has none.</summary>
    bool ReplaceLastUserMessage(JsonObject body, string text);

    /// <summary>Replaces the completion text of a response (a guardrail redact); false when the body has none.</summary>
    bool ReplaceCompletion(JsonObject body, string text);
}
