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
    /// <exception cref="GuardrailUnavailableException">The body broke the rewriter (duplicate keys, text that cannot be decoded): a failed check.</exception>
    public static byte[]? ReplaceLastUserMessage(ReadOnlySpan<byte> body, WireFamily family, string text) =>
        Rewrite(body, family, text, static (format, root, t) => format.ReplaceLastUserMessage(root, t));

    /// <exception cref="GuardrailUnavailableException">The body broke the rewriter (duplicate keys, text that cannot be decoded): a failed check.</exception>
    public static byte[]? ReplaceCompletion(ReadOnlySpan<byte> body, WireFamily family, string text) =>
        Rewrite(body, family, text, static (format, root, t) => format.ReplaceCompletion(root, t));

    private static byte[]? Rewrite(ReadOnlySpan<byte> body, WireFamily family, string text, Func<IWireFormat, JsonObject, string, bool> edit)
    {
        if (WireFormats.For(family) is not { } format || Parse(body) is not JsonObject root)
        {
            return null;
        }

        try
        {
            return edit(format, root, text) ? Serialize(root) : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // JsonObject throws on duplicate property names, strings with a lone surrogate throw when read or
            // written: the verdict cannot be applied, which is the check failing.
            throw new GuardrailUnavailableException("The guardrail verdict could not be applied to this body (" + ex.GetType().Name + ").", ex);
        }
    }

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
