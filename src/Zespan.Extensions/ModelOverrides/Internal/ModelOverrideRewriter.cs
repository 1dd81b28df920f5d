using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.ModelOverrides.Internal;

/// <summary>Why an override was not applied to a request.</summary>
internal enum ModelOverrideSkip
{
    /// <summary>Applied, or no rule matched.</summary>
    None,

    /// <summary>A Bedrock request is signed (SigV4) before the handler sees it; changing it would break the signature.</summary>
    SignedBedrockRequest,

    /// <summary>An Azure OpenAI deployment is chosen by the URL path, not by the body.</summary>
    AzureDeployment,

    /// <summary>The body has no top-level <c>model</c> string (or is not JSON).</summary>
    NoModelField,

    /// <summary>
    /// The body's <c>model</c> (or the rule's target) cannot be read or written as text: a lone surrogate escape,
    /// invalid UTF-8. The request is sent as it is.
    /// </summary>
    Unreadable,
}

/// <summary>The result of applying model overrides to one request.</summary>
/// <param name="Applied">The request now asks for <paramref name="SentModel"/>.</param>
/// <param name="RequestedModel">The model the app asked for (the event's <c>requested_model</c> when applied).</param>
/// <param name="SentModel">The model the request goes out with.</param>
/// <param name="Skip">Why a matching rule was not applied.</param>
internal readonly record struct ModelOverrideResult(bool Applied, string? RequestedModel, string? SentModel, ModelOverrideSkip Skip);

/// <summary>
/// Applies <see cref="ZespanOptions.ModelOverrides"/>: a JSON body's top-level <c>model</c> value, or the
/// model segment of a Gemini / Vertex path, is replaced; every other byte stays as it was. Where the model
/// lives is the wire format's answer (<see cref="IWireFormat.ModelPlace"/>). Signed (Bedrock) and Azure
/// deployment paths are never rewritten.
/// </summary>
internal static class ModelOverrideRewriter
{
    /// <summary>The target of the first rule matching a model and provider (rules in order), or <see langword="null"/>.</summary>
    /// <param name="overrides">The rules (local ones, then remote ones).</param>
    /// <param name="model">The model the request asks for.</param>
    /// <param name="provider">The provider's wire name (<c>openai</c>, ...).</param>
    /// <param name="providerLabel">The custom label of the client, if any (a rule may name either).</param>
    public static string? Resolve(IList<ModelOverride>? overrides, string? model, string provider, string? providerLabel = null)
    {
        if (overrides is null || string.IsNullOrEmpty(model))
        {
            return null;
        }

        for (var i = 0; i < overrides.Count; i++)
        {
            var rule = overrides[i];
            if (rule is null || string.IsNullOrEmpty(rule.To) || !string.Equals(rule.From, model, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!string.IsNullOrEmpty(rule.Provider) && rule.Provider != "*"
                && !string.Equals(rule.Provider, provider, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(rule.Provider, providerLabel, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            return string.Equals(rule.To, model, StringComparison.Ordinal) ? null : rule.To;
        }

        return null;
    }

    /// <summary>
    /// Applies the overrides to a request before it is sent: replaces <see cref="HttpRequestMessage.Content"/>
    /// with the rewritten bytes (same headers, new length) or <see cref="HttpRequestMessage.RequestUri"/> for Gemini.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="endpoint">Its endpoint.</param>
    /// <param name="body">The whole request body (from <see cref="RequestBodyCapture.ReadAllAsync"/>), or null when there is none.</param>
    /// <param name="overrides">The rules.</param>
    /// <param name="providerLabel">The client's custom provider label, if any.</param>
    public static ModelOverrideResult Apply(HttpRequestMessage request, LlmEndpoint endpoint, ReadOnlySpan<byte> body, IList<ModelOverride>? overrides, string? providerLabel = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var provider = ProviderNames.ToWireName(endpoint.Provider);
        var uri = request.RequestUri;
        var place = WireFormats.For(endpoint.Family)?.ModelPlace(endpoint) ?? RequestModelPlace.Body;

        if (place == RequestModelPlace.PathSegment)
        {
            var target = Resolve(overrides, endpoint.PathModel, provider, providerLabel);
            if (target is null || uri is null)
            {
                return new ModelOverrideResult(false, endpoint.PathModel, endpoint.PathModel, ModelOverrideSkip.None);
            }

            if (TryRewritePathModel(uri, endpoint.PathModel!, target, out var rewritten))
            {
                request.RequestUri = rewritten;
                return new ModelOverrideResult(true, endpoint.PathModel, target, ModelOverrideSkip.None);
            }

            return new ModelOverrideResult(false, endpoint.PathModel, endpoint.PathModel, ModelOverrideSkip.NoModelField);
        }

        if (place == RequestModelPlace.SignedPath)
        {
            var bedrockTarget = Resolve(overrides, endpoint.PathModel, provider, providerLabel);
            return new ModelOverrideResult(false, endpoint.PathModel, endpoint.PathModel, bedrockTarget is null ? ModelOverrideSkip.None : ModelOverrideSkip.SignedBedrockRequest);
        }

        if (!TryFindModel(body, out var location))
        {
            return new ModelOverrideResult(false, endpoint.PathModel, endpoint.PathModel, ModelOverrideSkip.None);
        }

        if (!location.Exact)
        {
            // The value is known only approximately (invalid text replaced): it is recorded, never rewritten.
            return new ModelOverrideResult(false, location.Value, location.Value, Resolve(overrides, location.Value, provider, providerLabel) is null ? ModelOverrideSkip.None : ModelOverrideSkip.Unreadable);
        }

        var bodyTarget = Resolve(overrides, location.Value, provider, providerLabel);
        if (bodyTarget is null)
        {
            return new ModelOverrideResult(false, location.Value, location.Value, ModelOverrideSkip.None);
        }

        if (endpoint.IsAzureDeployment)
        {
            return new ModelOverrideResult(false, location.Value, location.Value, ModelOverrideSkip.AzureDeployment);
        }

        if (request.Content is null || !TryReplaceModel(body, location, bodyTarget, out var bytes))
        {
            return new ModelOverrideResult(false, location.Value, location.Value, ModelOverrideSkip.Unreadable);
        }

        var original = request.Content;
        var replacement = new ByteArrayContent(bytes);
        foreach (var header in original.Headers)
        {
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        request.Content = replacement;
        return new ModelOverrideResult(true, location.Value, bodyTarget, ModelOverrideSkip.None);
    }

    /// <summary>Where a body's top-level <c>model</c> string is: byte offset and length of the JSON token (quotes included), and its value.</summary>
    /// <param name="Start">The byte offset of the opening quote.</param>
    /// <param name="Length">The length of the token, quotes included.</param>
    /// <param name="Value">The model; when not <paramref name="Exact"/>, the raw text with invalid bytes replaced by U+FFFD and escapes left as written.</param>
    /// <param name="Exact">False when the string holds text that cannot be decoded (a lone surrogate escape, invalid UTF-8).</param>
    internal readonly record struct ModelLocation(int Start, int Length, string Value, bool Exact = true);

    /// <summary>Finds the top-level <c>"model": "..."</c> of a JSON object. Never throws, whatever the bytes.</summary>
    internal static bool TryFindModel(ReadOnlySpan<byte> body, out ModelLocation location)
    {
        location = default;
        if (body.IsEmpty)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    return false;
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var isModel = reader.ValueTextEquals("model"u8);
                reader.Read();
                if (isModel && reader.TokenType == JsonTokenType.String)
                {
                    var start = (int)reader.TokenStartIndex;
                    ReadOnlySpan<byte> raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
                    string value;
                    var exact = true;
                    try
                    {
                        value = reader.GetString()!;
                    }
                    catch (InvalidOperationException)
                    {
                        // A lone surrogate escape or invalid UTF-8: keep what can be shown.
                        value = Encoding.UTF8.GetString(raw);
                        exact = false;
                    }

                    location = new ModelLocation(start, raw.Length + 2, value, exact);
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>The body with its model token replaced, or false when the target cannot be written as JSON text (a lone surrogate).</summary>
    internal static bool TryReplaceModel(ReadOnlySpan<byte> body, ModelLocation location, string model, out byte[] result)
    {
        try
        {
            result = ReplaceModel(body, location, model);
            return true;
        }
        catch (ArgumentException)
        {
            result = [];
            return false;
        }
    }

    /// <summary>The body with its model token replaced; every other byte is copied unchanged.</summary>
    /// <exception cref="ArgumentException">The model holds invalid UTF-16 (a lone surrogate).</exception>
    internal static byte[] ReplaceModel(ReadOnlySpan<byte> body, ModelLocation location, string model)
    {
        var encoded = JsonEncodedText.Encode(model, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes;
        var result = new byte[body.Length - location.Length + encoded.Length + 2];
        body[..location.Start].CopyTo(result);
        var position = location.Start;
        result[position++] = (byte)'"';
        encoded.CopyTo(result.AsSpan(position));
        position += encoded.Length;
        result[position++] = (byte)'"';
        body[(location.Start + location.Length)..].CopyTo(result.AsSpan(position));
        return result;
    }

    /// <summary>Rewrites <c>.../models/{from}:verb</c> to <c>.../models/{to}:verb</c>, keeping the rest of the URI.</summary>
    internal static bool TryRewritePathModel(Uri uri, string from, string to, out Uri rewritten)
    {
        try
        {
            return TryRewritePathModelCore(uri, from, to, out rewritten);
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException)
        {
            // A target that cannot be escaped into a path: the request keeps its URI.
            rewritten = uri;
            return false;
        }
    }

    private static bool TryRewritePathModelCore(Uri uri, string from, string to, out Uri rewritten)
    {
        rewritten = uri;
        var text = uri.OriginalString;
        var marker = "models/" + Uri.EscapeDataString(from) + ":";
        var index = text.LastIndexOf(marker, StringComparison.Ordinal);
        if (index < 0)
        {
            marker = "models/" + from + ":";
            index = text.LastIndexOf(marker, StringComparison.Ordinal);
        }

        if (index < 0)
        {
            return false;
        }

        var builder = new StringBuilder(text.Length + to.Length);
        builder.Append(text, 0, index).Append("models/").Append(Uri.EscapeDataString(to).Replace("%40", "@", StringComparison.Ordinal)).Append(':')
            .Append(text, index + marker.Length, text.Length - index - marker.Length);
        if (!Uri.TryCreate(builder.ToString(), UriKind.RelativeOrAbsolute, out var created))
        {
            return false;
        }

        rewritten = created;
        return true;
    }
}
