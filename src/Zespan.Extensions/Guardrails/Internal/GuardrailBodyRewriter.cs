using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Guardrails.Internal;

/// <summary>
/// Applies a guardrail <c>redact</c> verdict to a body: the last user message of a request, or the
/// completion text of a response. Where that text lives is the wire format's knowledge
/// (<see cref="IWireFormat.ReplaceLastUserMessage"/>, <see cref="IWireFormat.ReplaceCompletion"/>); today
/// OpenAI-compatible (chat completions, responses) and Anthropic bodies can be rewritten.
/// Returns null when the body has no such text (the verdict then cannot be applied and the caller blocks).
/// </summary>
internal static class GuardrailBodyRewriter
{
    public static byte[]? ReplaceLastUserMessage(ReadOnlySpan<byte> body, WireFamily family, string text) =>
        WireFormats.For(family) is { } format && Parse(body) is JsonObject root && format.ReplaceLastUserMessage(root, text)
            ? Serialize(root)
            : null;

    public static byte[]? ReplaceCompletion(ReadOnlySpan<byte> body, WireFamily family, string text) =>
        WireFormats.For(family) is { } format && Parse(body) is JsonObject root && format.ReplaceCompletion(root, text)
            ? Serialize(root)
            : null;

    private static JsonNode? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            return JsonNode.Parse(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, ZespanJsonContext.Default.JsonNode);
}
