using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Guardrails.Internal;

/// <summary>
/// Applies a guardrail <c>redact</c> verdict to a body: the last user message of a request, or the
/// completion text of a response, for OpenAI-compatible (chat completions, responses) and Anthropic bodies.
/// Returns null when the body has no such text (the verdict then cannot be applied and the caller blocks).
/// </summary>
internal static class GuardrailBodyRewriter
{
    public static byte[]? ReplaceLastUserMessage(ReadOnlySpan<byte> body, WireFamily family, string text)
    {
        if (Parse(body) is not JsonObject root)
        {
            return null;
        }

        switch (family)
        {
            case WireFamily.OpenAIChat or WireFamily.AnthropicMessages:
                if (root["messages"] is JsonArray messages && LastWithRole(messages, "user") is { } message)
                {
                    message["content"] = text;
                    return Serialize(root);
                }

                return null;
            case WireFamily.OpenAIResponses:
                if (root["input"] is JsonValue)
                {
                    root["input"] = text;
                    return Serialize(root);
                }

                if (root["input"] is JsonArray items && LastWithRole(items, "user") is { } item)
                {
                    item["content"] = text;
                    return Serialize(root);
                }

                return null;
            default:
                return null;
        }
    }

    public static byte[]? ReplaceCompletion(ReadOnlySpan<byte> body, WireFamily family, string text)
    {
        if (Parse(body) is not JsonObject root)
        {
            return null;
        }

        switch (family)
        {
            case WireFamily.OpenAIChat:
                if (root["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["message"] is JsonObject message)
                {
                    message["content"] = text;
                    return Serialize(root);
                }

                return null;
            case WireFamily.AnthropicMessages:
                if (root["content"] is JsonArray blocks && ReplaceTextParts(blocks, "text", "text", text))
                {
                    return Serialize(root);
                }

                return null;
            case WireFamily.OpenAIResponses:
                if (root["output"] is JsonArray output)
                {
                    foreach (var entry in output)
                    {
                        if (entry is JsonObject o && (string?)o["type"] == "message" && o["content"] is JsonArray parts && ReplaceTextParts(parts, "output_text", "text", text))
                        {
                            return Serialize(root);
                        }
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool ReplaceTextParts(JsonArray parts, string type, string field, string text)
    {
        // Keep the first text part with the whole modified text; drop the others.
        var first = -1;
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i] is JsonObject part && (string?)part["type"] == type)
            {
                if (first < 0)
                {
                    first = i;
                    part[field] = text;
                }
            }
        }

        for (var i = parts.Count - 1; i > first && first >= 0; i--)
        {
            if (parts[i] is JsonObject part && (string?)part["type"] == type)
            {
                parts.RemoveAt(i);
            }
        }

        return first >= 0;
    }

    private static JsonObject? LastWithRole(JsonArray items, string role)
    {
        for (var i = items.Count - 1; i >= 0; i--)
        {
            if (items[i] is JsonObject o && (string?)o["role"] == role)
            {
                return o;
            }
        }

        return null;
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
