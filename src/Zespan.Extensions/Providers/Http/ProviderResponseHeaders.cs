using System.Globalization;
using System.Net.Http.Headers;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>The few response headers the parsers use, copied on the caller's path (cheap lookups, no body access).</summary>
/// <param name="ContentType">The media type (<c>text/event-stream</c>, <c>application/vnd.amazon.eventstream</c>, ...).</param>
/// <param name="AmznErrorType">Bedrock's <c>x-amzn-ErrorType</c> (the error type of an error response).</param>
/// <param name="BedrockInputTokens"><c>X-Amzn-Bedrock-Input-Token-Count</c>.</param>
/// <param name="BedrockOutputTokens"><c>X-Amzn-Bedrock-Output-Token-Count</c>.</param>
/// <param name="BedrockCacheReadTokens"><c>X-Amzn-Bedrock-Cache-Read-Input-Token-Count</c>.</param>
/// <param name="BedrockCacheWriteTokens"><c>X-Amzn-Bedrock-Cache-Write-Input-Token-Count</c>.</param>
/// <param name="LiteLlmCost">LiteLLM's <c>x-litellm-response-cost</c> (USD).</param>
internal readonly record struct ProviderResponseHeaders(
    string? ContentType,
    string? AmznErrorType,
    int? BedrockInputTokens,
    int? BedrockOutputTokens,
    int? BedrockCacheReadTokens,
    int? BedrockCacheWriteTokens,
    double? LiteLlmCost)
{
    /// <summary>Gets the body's <c>Content-Length</c>, when the response declared one.</summary>
    public long? ContentLength { get; init; }

    /// <summary>Gets the body's <c>Content-Encoding</c> as it reached the tee (several codings are joined with commas).</summary>
    public string? ContentEncoding { get; init; }

    public static ProviderResponseHeaders From(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Headers;
        var length = response.Content?.Headers.NonValidated.TryGetValues("Content-Length", out var lengths) == true
            && long.TryParse(FirstOf(lengths), NumberStyles.Integer, CultureInfo.InvariantCulture, out var declared) ? declared : (long?)null;
        string? encoding = null;
        if (response.Content?.Headers.NonValidated.TryGetValues("Content-Encoding", out var encodings) == true && encodings.Count > 0)
        {
            encoding = encodings.Count == 1 ? FirstOf(encodings) : string.Join(',', encodings);
        }

        return new ProviderResponseHeaders(
            response.Content?.Headers.ContentType?.MediaType,
            First(headers, "x-amzn-ErrorType"),
            Int(First(headers, "X-Amzn-Bedrock-Input-Token-Count")),
            Int(First(headers, "X-Amzn-Bedrock-Output-Token-Count")),
            Int(First(headers, "X-Amzn-Bedrock-Cache-Read-Input-Token-Count")),
            Int(First(headers, "X-Amzn-Bedrock-Cache-Write-Input-Token-Count")),
            Double(First(headers, "x-litellm-response-cost")))
        {
            ContentLength = length,
            ContentEncoding = encoding,
        };
    }

    private static string? First(HttpResponseHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) && values.Count > 0 ? FirstOf(values) : null;

    private static string? FirstOf(HeaderStringValues values)
    {
        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    private static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;

    private static double? Double(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed) ? parsed : null;
}
