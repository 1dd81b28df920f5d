using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Zespan.DevServer.Api;

/// <summary>Reads JSON request bodies (size-limited) and writes JSON answers, without reflection.</summary>
internal static class HttpJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };
    // JSON answers are served as application/json, never as HTML: no need to escape <, >, & and quotes into \u sequences
    private static readonly JsonWriterOptions CompactWriter = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, int status, JsonNode? body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        if (body is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, CompactWriter))
        {
            body.WriteTo(writer);
        }

        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string type, string message) =>
        WriteAsync(context, status, Error(type, message));

    public static JsonObject Error(string type, string message) =>
        new() { ["error"] = new JsonObject { ["type"] = type, ["message"] = message } };

    /// <summary>
    /// Reads the body, at most <paramref name="maxBytes"/>. A compressed body (<c>gzip</c>, <c>br</c>, <c>deflate</c>) arrives
    /// decompressed: ASP.NET Core's request decompression middleware removes <c>Content-Encoding</c> and limits the
    /// decompressed size to the same request body limit.
    /// </summary>
    /// <exception cref="ApiException">413 past the limit, 415 for another encoding or a non-JSON content type, 400 for a body that does not decompress.</exception>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context, long maxBytes)
    {
        var contentType = context.Request.ContentType;
        if (!string.IsNullOrEmpty(contentType) && !IsJson(contentType))
        {
            throw new ApiException(415, ApiErrors.UnsupportedMediaType, "Content-Type must be application/json");
        }

        return await ReadRawAsync(context, maxBytes).ConfigureAwait(false);
    }

    /// <summary>Reads the body whatever its type, with the limits and decompression of <see cref="ReadBodyAsync"/>.</summary>
    public static async Task<byte[]> ReadRawAsync(HttpContext context, long maxBytes)
    {
        var request = context.Request;

        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        // the decompression middleware removes the header of an encoding it decoded; one left here is one it does not know
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(415, ApiErrors.UnsupportedMediaType, "Content-Encoding must be gzip, br, deflate or absent");
        }

        try
        {
            return await ReadLimitedAsync(request.Body, maxBytes, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            throw ApiException.BadRequest("the body does not decompress: it is not valid gzip, br or deflate");
        }
    }

    /// <summary>Reads and parses a JSON body; 400 when it is empty or not JSON.</summary>
    public static async Task<JsonNode> ReadJsonAsync(HttpContext context, long maxBytes)
    {
        var body = await ReadBodyAsync(context, maxBytes).ConfigureAwait(false);
        return Parse(body);
    }

    public static JsonNode Parse(byte[] body)
    {
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the body is empty; a JSON object is expected");
        }

        try
        {
            return JsonNode.Parse(body, documentOptions: DocumentOptions) ?? throw ApiException.BadRequest("the body is JSON null; a JSON object is expected");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest("the body is not valid JSON: " + FirstLine(e.Message));
        }
    }

    public static JsonObject ParseObject(byte[] body) =>
        Parse(body) as JsonObject ?? throw ApiException.BadRequest("the body must be a JSON object");

    /// <summary>The value of a string property, or null when missing or JSON null; 400 when it is another type.</summary>
    public static string? OptionalString(JsonObject obj, string name, string path = "")
    {
        if (!obj.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }

        throw ApiException.BadRequest($"{path}{name} must be a string");
    }

    public static long? OptionalInteger(JsonObject obj, string name, string path = "")
    {
        if (!obj.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number))
        {
            return number;
        }

        throw ApiException.BadRequest($"{path}{name} must be an integer");
    }

    public static double? OptionalNumber(JsonObject obj, string name, string path = "")
    {
        if (!obj.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number))
        {
            return number;
        }

        throw ApiException.BadRequest($"{path}{name} must be a number");
    }

    public static bool? OptionalBoolean(JsonObject obj, string name, string path = "")
    {
        if (!obj.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.BadRequest($"{path}{name} must be true or false"),
        };
    }

    /// <summary>Text of a message's <c>content</c>: a string, or the text parts of an array of content parts.</summary>
    public static string? ContentText(JsonNode? content)
    {
        switch (content)
        {
            case null:
                return null;
            case JsonValue value when value.TryGetValue<string>(out var text):
                return text;
            case JsonArray parts:
                var builder = new StringBuilder();
                foreach (var part in parts)
                {
                    string? piece = part switch
                    {
                        JsonValue v when v.TryGetValue<string>(out var s) => s,
                        JsonObject o when o["text"] is JsonValue t && t.TryGetValue<string>(out var s) => s,
                        JsonObject o when o["content"] is { } inner => ContentText(inner),
                        _ => null,
                    };
                    if (piece is not null)
                    {
                        if (builder.Length > 0)
                        {
                            builder.Append('\n');
                        }

                        builder.Append(piece);
                    }
                }

                return builder.ToString();
            default:
                return null;
        }
    }

    private static readonly JsonSerializerOptions RelaxedOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Compact JSON text of <paramref name="node"/>, with the same relaxed escaping as the answers.</summary>
    public static string ToJson(JsonNode? node) => node?.ToJsonString(RelaxedOptions) ?? "null";

    /// <summary>Compact JSON text with relaxed escaping (see <see cref="ToJson"/>).</summary>
    public static string ToJsonText(this JsonNode node) => node.ToJsonString(RelaxedOptions);

    public static bool IsJson(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            || media.Equals("text/json", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream source, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }
    }

    private static ApiException TooLarge(long maxBytes) =>
        new(413, ApiErrors.PayloadTooLarge, $"the body exceeds {maxBytes} bytes (compressed or decompressed); split the batch");

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline >= 0 ? text[..newline].TrimEnd() : text;
    }
}
