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
    public static JsonNode? ToNode(this JsonElement element) =>
        element.ValueKind is JsonValueKind.Undefined ? null : JsonNode.Parse(element.GetRawText());

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
