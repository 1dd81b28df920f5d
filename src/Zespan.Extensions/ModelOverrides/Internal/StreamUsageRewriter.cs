using System.Text.Json;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.ModelOverrides.Internal;

/// <summary>
/// <see cref="ZespanInstrumentationOptions.IncludeStreamUsage"/>: asks an OpenAI-style chat completions stream to
/// report its usage. A request body with <c>"stream": true</c> and no <c>stream_options.include_usage</c> gets
/// <c>"include_usage": true</c> (inside an existing <c>stream_options</c> object, or in a new one); every other byte
/// stays as it was. A body that states <c>include_usage</c> (true or false) is left alone, as is any body that is
/// not a streamed chat completion.
/// </summary>
/// <remarks>
/// With usage requested the provider sends one more chunk before <c>[DONE]</c>: <c>"choices": []</c> and the
/// <c>usage</c> object. OpenAI-compatible clients (the OpenAI SDK, Microsoft.Extensions.AI) read it as a usage update;
/// a hand-written reader that indexes <c>choices[0]</c> of every chunk must skip chunks without choices. Mistral is
/// left out: it reports usage on its last chunk without being asked.
/// </remarks>
internal static class StreamUsageRewriter
{
    private static readonly byte[] NewOptions = "\"stream_options\":{\"include_usage\":true},"u8.ToArray();
    private static readonly byte[] IncludeUsage = "\"include_usage\":true"u8.ToArray();

    /// <summary>Whether the endpoint speaks chat completions to a vendor that accepts <c>stream_options</c>.</summary>
    public static bool AppliesTo(in LlmEndpoint endpoint) =>
        endpoint.Family == WireFamily.OpenAIChat && endpoint.Provider != ZespanProvider.Mistral;

    /// <summary>Rewrites the request's content when its body asks for a stream without usage.</summary>
    /// <returns>True when <see cref="HttpRequestMessage.Content"/> was replaced.</returns>
    public static bool Apply(HttpRequestMessage request, in LlmEndpoint endpoint, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AppliesTo(endpoint) || request.Content is null || Rewrite(body) is not { } rewritten)
        {
            return false;
        }

        var original = request.Content;
        var replacement = new ByteArrayContent(rewritten);
        foreach (var header in original.Headers)
        {
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        request.Content = replacement;
        return true;
    }

    /// <summary>The body with usage requested, or null when it needs no change (or is not a JSON object).</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        var streams = false;
        var objectStart = -1;
        var optionsStart = -1;
        var optionsEmpty = false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            objectStart = (int)reader.TokenStartIndex;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    streams = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return null; // null or another shape: the caller said something; leave it.
                    }

                    optionsStart = (int)reader.TokenStartIndex;
                    optionsEmpty = true;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        if (reader.TokenType == JsonTokenType.PropertyName)
                        {
                            optionsEmpty = false;
                            if (reader.ValueTextEquals("include_usage"u8))
                            {
                                return null;
                            }

                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        if (!streams)
        {
            return null;
        }

        return optionsStart >= 0
            ? Insert(body, optionsStart + 1, IncludeUsage, optionsEmpty ? ReadOnlySpan<byte>.Empty : ","u8)
            : Insert(body, objectStart + 1, NewOptions, ReadOnlySpan<byte>.Empty);
    }

    private static byte[] Insert(ReadOnlySpan<byte> body, int at, ReadOnlySpan<byte> text, ReadOnlySpan<byte> suffix)
    {
        var result = new byte[body.Length + text.Length + suffix.Length];
        body[..at].CopyTo(result);
        text.CopyTo(result.AsSpan(at));
        suffix.CopyTo(result.AsSpan(at + text.Length));
        body[at..].CopyTo(result.AsSpan(at + text.Length + suffix.Length));
        return result;
    }
}
