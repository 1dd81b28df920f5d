using System.Text.Json.Nodes;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>Small edits of a parsed body the wire formats share (a guardrail redact writes its text with them).</summary>
internal static class JsonNodeEdits
{
    /// <summary>The value of a string node, or null for anything else (a number, an object, null): never throws on a type.</summary>
    public static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>The last object of an array whose <c>role</c> is <paramref name="role"/>, or null.</summary>
    public static JsonObject? LastWithRole(JsonArray items, string role)
    {
        for (var i = items.Count - 1; i >= 0; i--)
        {
            if (items[i] is JsonObject o && StringOf(o["role"]) == role)
            {
                return o;
            }
        }

        return null;
    }

    /// <summary>
    /// Sets <paramref name="field"/> of the first part of type <paramref name="type"/> to the text and drops
    /// the other parts of that type; false when there is no such part.
    /// </summary>
    public static bool ReplaceTextParts(JsonArray parts, string type, string field, string text)
    {
        // Keep the first text part with the whole modified text; drop the others.
        var first = -1;
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i] is JsonObject part && StringOf(part["type"]) == type)
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
            if (parts[i] is JsonObject part && StringOf(part["type"]) == type)
            {
                parts.RemoveAt(i);
            }
        }

        return first >= 0;
    }
}
