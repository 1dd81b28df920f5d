using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>Tolerant reads of <see cref="JsonElement"/>s: a missing property or a value of the wrong kind is simply absent.</summary>
internal static class JsonHelpers
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

    /// <summary>Parses JSON, or returns <see langword="null"/> when it is not valid JSON.</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            return JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Parses JSON from a span (copied), or returns <see langword="null"/> when it is not valid JSON.</summary>
    public static JsonDocument? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public static bool TryProp(this JsonElement element, string name, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    public static bool TryObject(this JsonElement element, string name, out JsonElement value) =>
        element.TryProp(name, out value) && value.ValueKind == JsonValueKind.Object;

    public static bool TryArray(this JsonElement element, string name, out JsonElement value) =>
        element.TryProp(name, out value) && value.ValueKind == JsonValueKind.Array;

    /// <summary>A string property, or <see langword="null"/>.</summary>
    public static string? Str(this JsonElement element, string name) =>
        element.TryProp(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A string, number or boolean property as text, or <see langword="null"/>.</summary>
    public static string? Text(this JsonElement element, string name)
    {
        if (!element.TryProp(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    public static bool? Bool(this JsonElement element, string name) =>
        element.TryProp(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        } : null;

    /// <summary>An integer property (a number, or a string of digits), clamped to <see cref="int"/>; else <see langword="null"/>.</summary>
    public static int? Int(this JsonElement element, string name) =>
        element.TryProp(name, out var value) ? AsInt(value) : null;

    public static int? AsInt(this JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out var i))
            {
                return i;
            }

            if (value.TryGetDouble(out var d) && !double.IsNaN(d))
            {
                return d >= int.MaxValue ? int.MaxValue : d <= int.MinValue ? int.MinValue : (int)d;
            }
        }
        else if (value.ValueKind == JsonValueKind.String
            && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        return null;
    }

    /// <summary>A number property (or a numeric string) as <see cref="double"/>, else <see langword="null"/>.</summary>
    public static double? Double(this JsonElement element, string name)
    {
        if (!element.TryProp(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d))
        {
            return d;
        }

        if (value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        return null;
    }

    /// <summary>A detached copy of an element as a <see cref="JsonNode"/> (safe after the document is disposed).</summary>
    /// <remarks>
    /// Copied eagerly, so the node never throws later: a repeated property name keeps its last value (a
    /// <see cref="JsonObject"/> parsed lazily throws on the first access instead), and a string that cannot be decoded
    /// (a lone surrogate escape, invalid UTF-8) keeps its text with U+FFFD in place of what cannot be shown.
    /// </remarks>
    public static JsonNode? ToNode(this JsonElement element) => ToNode(element, 0);

    /// <summary>Parses JSON text into nodes with the rules of <see cref="ToNode(JsonElement)"/> (last repeated name wins); null when it is not JSON.</summary>
    /// <param name="json">The text.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    public static JsonNode? ParseLenient(string json, int maxDepth = 64)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth });
            return document.RootElement.ToNode();
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // Not JSON, or text that cannot be transcoded to UTF-8 (a lone surrogate).
            return null;
        }
    }

    private static JsonNode? ToNode(JsonElement element, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[SafeName(property)] = ToNode(property.Value, depth + 1);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item, depth + 1));
                }

                return array;
            case JsonValueKind.String:
                return JsonValue.Create(SafeString(element));
            case JsonValueKind.Number:
                return JsonValue.Create(element.Clone());
            case JsonValueKind.True:
                return JsonValue.Create(true);
            case JsonValueKind.False:
                return JsonValue.Create(false);
            default:
                return null;
        }
    }

    private static string SafeName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return System.Text.Encoding.UTF8.GetString(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property));
        }
    }

    private static string SafeString(JsonElement element)
    {
        try
        {
            return element.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
            return System.Text.Encoding.UTF8.GetString(raw.Length >= 2 ? raw[1..^1] : raw);
        }
    }

    /// <summary>An element's JSON text (for tool-call arguments), or <c>{}</c> when absent.</summary>
    public static string RawOrEmptyObject(this JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => "{}",
            JsonValueKind.String => element.GetString() ?? "{}",
            _ => element.GetRawText(),
        };

    /// <summary>Sums nullable counts: null only when every part is null.</summary>
    public static int? Sum(int? a, int? b, int? c = null, int? d = null)
    {
        if (a is null && b is null && c is null && d is null)
        {
            return null;
        }

        long total = (long)(a ?? 0) + (b ?? 0) + (c ?? 0) + (d ?? 0);
        return total > int.MaxValue ? int.MaxValue : (int)total;
    }
}
