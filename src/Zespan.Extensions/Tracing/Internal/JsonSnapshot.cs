using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// Turns a value handed to a span (metadata, tool arguments and results) into a <see cref="JsonNode"/> copy
/// at the moment it is given, so later changes to the caller's object change nothing. Never throws: a value
/// that cannot be converted is recorded as its <see cref="object.ToString"/>.
/// </summary>
/// <remarks>
/// Primitives, strings, <see cref="JsonNode"/>, <see cref="JsonElement"/>, dictionaries and sequences are
/// converted by hand (AOT-safe). Any other type goes through reflection-based System.Text.Json (web defaults:
/// camelCase, cycles ignored) when the app allows it (<see cref="JsonSerializer.IsReflectionEnabledByDefault"/>,
/// false in trimmed and native AOT apps); otherwise it is recorded with <see cref="object.ToString"/>. AOT
/// users pass a <see cref="JsonTypeInfo{T}"/> instead.
/// </remarks>
internal static class JsonSnapshot
{
    private const int MaxDepth = 64;

    private static JsonSerializerOptions? s_reflectionOptions;

    public static JsonNode? From(object? value)
    {
        try
        {
            return Convert(value, 0);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Fallback(value);
        }
    }

    public static JsonNode? From<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        try
        {
            return JsonSerializer.SerializeToNode(value, typeInfo);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Fallback(value);
        }
    }

    private static JsonNode? Convert(object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            return Fallback(value);
        }

        switch (value)
        {
            case null:
                return null;
            case string s:
                return JsonValue.Create(s);
            case JsonNode node:
                return node.DeepClone();
            case JsonElement element:
                return FromElement(element);
            case JsonDocument document:
                return FromElement(document.RootElement);
            case bool b:
                return JsonValue.Create(b);
            case int i:
                return JsonValue.Create(i);
            case long l:
                return JsonValue.Create(l);
            case double d:
                return double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));
            case float f:
                return float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture));
            case decimal m:
                return JsonValue.Create(m);
            case short sh:
                return JsonValue.Create(sh);
            case byte by:
                return JsonValue.Create(by);
            case sbyte sb:
                return JsonValue.Create(sb);
            case ushort us:
                return JsonValue.Create(us);
            case uint ui:
                return JsonValue.Create(ui);
            case ulong ul:
                return JsonValue.Create(ul);
            case char c:
                return JsonValue.Create(c.ToString());
            case DateTime dt:
                return JsonValue.Create(dt);
            case DateTimeOffset dto:
                return JsonValue.Create(dto);
            case Guid g:
                return JsonValue.Create(g);
            case TimeSpan ts:
                return JsonValue.Create(ts.ToString("c", CultureInfo.InvariantCulture));
            case Uri uri:
                return JsonValue.Create(uri.OriginalString);
            case Enum e:
                return JsonValue.Create(e.ToString());
            case byte[] bytes:
                return JsonValue.Create(System.Convert.ToBase64String(bytes));
            case IDictionary dictionary:
                return FromDictionary(dictionary, depth);
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                return FromPairs(pairs, depth);
            case IEnumerable<KeyValuePair<string, string>> stringPairs:
                return FromPairs(stringPairs, depth);
            case IEnumerable sequence:
                return FromSequence(sequence, depth);
            default:
                return FromObject(value);
        }
    }

    private static JsonObject FromDictionary(IDictionary dictionary, int depth)
    {
        var result = new JsonObject();
        foreach (DictionaryEntry entry in dictionary)
        {
            var key = entry.Key as string ?? System.Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            result[key] = Convert(entry.Value, depth + 1);
        }

        return result;
    }

    private static JsonObject FromPairs<TValue>(IEnumerable<KeyValuePair<string, TValue>> pairs, int depth)
    {
        var result = new JsonObject();
        foreach (var pair in pairs)
        {
            result[pair.Key] = Convert(pair.Value, depth + 1);
        }

        return result;
    }

    private static JsonArray FromSequence(IEnumerable sequence, int depth)
    {
        var result = new JsonArray();
        foreach (var item in sequence)
        {
            result.Add(Convert(item, depth + 1));
        }

        return result;
    }

    private static JsonNode? FromElement(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined
            ? null
            : JsonSerializer.SerializeToNode(element, ZespanJsonContext.Default.JsonElement);

    private static JsonNode? FromObject(object value)
    {
        if (JsonSerializer.IsReflectionEnabledByDefault)
        {
            var options = s_reflectionOptions ??= CreateReflectionOptions();
            return JsonSerializer.SerializeToNode(value, options.GetTypeInfo(value.GetType()));
        }

        return Fallback(value);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "Only called when JsonSerializer.IsReflectionEnabledByDefault is true, a feature switch that is false in trimmed and native AOT apps.")]
    [UnconditionalSuppressMessage("AOT", "IL3050:RequiresDynamicCode", Justification = "Only called when JsonSerializer.IsReflectionEnabledByDefault is true, a feature switch that is false in trimmed and native AOT apps.")]
    private static JsonSerializerOptions CreateReflectionOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            ReferenceHandler = ReferenceHandler.IgnoreCycles,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            MaxDepth = MaxDepth,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.MakeReadOnly();
        return options;
    }

    private static JsonValue? Fallback(object? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return JsonValue.Create(value.ToString() ?? string.Empty);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return JsonValue.Create(value.GetType().FullName ?? "object");
        }
    }
}
