using System.Globalization;
using System.Text;
using System.Text.Json;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Reads <c>{type, message}</c> out of an error body, whatever the provider's shape:
/// OpenAI / Groq / LiteLLM <c>{"error": {"message", "type", "code"}}</c>, Anthropic
/// <c>{"type": "error", "error": {"type", "message"}}</c>, Gemini <c>{"error": {"code", "message", "status"}}</c>,
/// OpenRouter <c>{"error": {"code": 400, "message"}}</c>, Mistral <c>{"object": "error", "message", "type"}</c>
/// or <c>{"detail": ...}</c>, Bedrock <c>{"message"}</c> with the type in the <c>x-amzn-ErrorType</c> header.
/// </summary>
internal static class ErrorReader
{
    /// <summary>The most characters of a non-JSON error body kept as the message.</summary>
    public const int MaxPlainMessageChars = 1000;

    public static ZespanError Read(JsonElement root, ReadOnlySpan<byte> rawBody, int statusCode, string? amznErrorType)
    {
        string? type = null;
        string? message = null;
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in root.EnumerateArray())
            {
                root = item;
                break;
            }
        }

        if (root.ValueKind == JsonValueKind.Object)
        {
            ReadObject(root, ref type, ref message);
        }
        else if (!rawBody.IsEmpty)
        {
            message = PlainText(rawBody);
        }

        var headerType = AmznErrorType(amznErrorType);
        type = headerType ?? type;
        type ??= statusCode >= 400 ? "http_" + statusCode.ToString(CultureInfo.InvariantCulture) : "error";
        message ??= statusCode >= 400 ? "HTTP " + statusCode.ToString(CultureInfo.InvariantCulture) : type;
        return new ZespanError(type, message);
    }

    /// <summary>Reads the error of a stream event (<c>{"type": "error", "error": {...}}</c>, <c>{"error": {...}}</c>, ...).</summary>
    public static ZespanError? TryReadEmbedded(JsonElement root)
    {
        if (!root.TryProp("error", out var error) || error.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        string? type = null;
        string? message = null;
        ReadObject(root, ref type, ref message);
        return new ZespanError(type ?? "error", message ?? type ?? "error");
    }

    private static void ReadObject(JsonElement root, ref string? type, ref string? message)
    {
        if (root.TryProp("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.Object)
            {
                message = error.Str("message") ?? error.Str("Message");
                type = NonEmpty(error.Str("type")) ?? NonEmpty(error.Str("status")) ?? NonEmpty(error.Text("code"));
            }
            else if (error.ValueKind == JsonValueKind.String)
            {
                message = error.GetString();
            }
        }

        message ??= root.Str("message") ?? root.Str("Message") ?? root.Str("error_message");
        if (message is null && root.TryProp("detail", out var detail))
        {
            message = detail.ValueKind switch
            {
                JsonValueKind.String => detail.GetString(),
                JsonValueKind.Array when detail.GetArrayLength() > 0 => detail[0].Str("msg") ?? detail[0].GetRawText(),
                JsonValueKind.Object => detail.Str("msg") ?? detail.Str("message") ?? detail.GetRawText(),
                _ => null,
            };
        }

        if (type is null)
        {
            var rootType = root.Str("type");
            type = rootType is not null && rootType != "error" ? rootType : null;
        }

        if (type is null && root.Str("__type") is { } amazonType)
        {
            var hash = amazonType.LastIndexOf('#');
            type = hash >= 0 ? amazonType[(hash + 1)..] : amazonType;
        }

        type ??= NonEmpty(root.Text("code"));
    }

    /// <summary><c>ValidationException:http://internal.amazon.com/coral/...</c> → <c>ValidationException</c>.</summary>
    private static string? AmznErrorType(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var colon = header.IndexOf(':', StringComparison.Ordinal);
        return (colon > 0 ? header[..colon] : header).Trim();
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string PlainText(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxPlainMessageChars * 4)]).Trim();
        return text.Length > MaxPlainMessageChars ? text[..MaxPlainMessageChars] : text;
    }
}
