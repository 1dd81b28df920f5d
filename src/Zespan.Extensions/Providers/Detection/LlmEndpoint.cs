namespace Zespan.Extensions.Providers.Internal;

/// <summary>What a request URI says about an LLM call: provider, operation, and the model when the path names it.</summary>
/// <param name="Provider">The provider (from the host, or the one the client was registered for).</param>
/// <param name="Operation">The endpoint.</param>
/// <param name="PathModel">The model named in the path (Gemini, Vertex, Bedrock, an Azure deployment), URL-decoded; else <see langword="null"/>.</param>
/// <param name="PathStreams">The path itself asks for a stream (<c>streamGenerateContent</c>, <c>converse-stream</c>, ...).</param>
/// <param name="AltSse">Gemini <c>alt=sse</c>: the stream is server-sent events rather than a streamed JSON array.</param>
/// <param name="IsAzureDeployment">An Azure OpenAI <c>/openai/deployments/{name}/</c> path: the model is chosen by the path.</param>
internal readonly record struct LlmEndpoint(
    ZespanProvider Provider,
    ProviderOperation Operation,
    string? PathModel,
    bool PathStreams,
    bool AltSse,
    bool IsAzureDeployment)
{
    /// <summary>Gets the wire format of the bodies.</summary>
    public WireFamily Family => ProviderNames.Family(Operation);

    /// <summary>Gets a value indicating whether the endpoint is one Zespan records.</summary>
    public bool IsKnown => Operation != ProviderOperation.Unknown;

    /// <summary>Reads the operation and path model of a request to a provider.</summary>
    public static LlmEndpoint Detect(ZespanProvider provider, Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            return new LlmEndpoint(provider, ProviderOperation.Unknown, null, false, false, false);
        }

        var path = uri.AbsolutePath.AsSpan();
        while (path.Length > 1 && path[^1] == '/')
        {
            path = path[..^1];
        }

        // Bedrock: /model/{modelId}/{converse|converse-stream|invoke|invoke-with-response-stream}
        var modelSegment = path.IndexOf("/model/", StringComparison.Ordinal);
        if (modelSegment >= 0)
        {
            var rest = path[(modelSegment + "/model/".Length)..];
            var slash = rest.IndexOf('/');
            if (slash > 0)
            {
                var id = rest[..slash];
                var action = rest[(slash + 1)..];
                var operation = action switch
                {
                    "converse" => ProviderOperation.BedrockConverse,
                    "converse-stream" => ProviderOperation.BedrockConverseStream,
                    "invoke" => ProviderOperation.BedrockInvoke,
                    "invoke-with-response-stream" => ProviderOperation.BedrockInvokeStream,
                    _ => ProviderOperation.Unknown,
                };
                if (operation != ProviderOperation.Unknown)
                {
                    var streams = operation is ProviderOperation.BedrockConverseStream or ProviderOperation.BedrockInvokeStream;
                    return new LlmEndpoint(provider, operation, Unescape(id), streams, false, false);
                }
            }
        }

        // Gemini and Vertex: .../models/{model}:{verb}
        var lastSlash = path.LastIndexOf('/');
        var lastSegment = path[(lastSlash + 1)..];
        var verbStart = lastSegment.IndexOf(':');
        if (verbStart > 0)
        {
            var model = Unescape(lastSegment[..verbStart]);
            var verb = lastSegment[(verbStart + 1)..];
            var altSse = HasAltSse(uri.Query);
            var isModelsPath = path.Contains("models/", StringComparison.OrdinalIgnoreCase); // models/ and tunedModels/
            if (isModelsPath)
            {
                if (verb.Equals("generateContent", StringComparison.Ordinal))
                {
                    return new LlmEndpoint(provider, ProviderOperation.GeminiGenerateContent, model, false, altSse, false);
                }

                if (verb.Equals("streamGenerateContent", StringComparison.Ordinal))
                {
                    return new LlmEndpoint(provider, ProviderOperation.GeminiStreamGenerateContent, model, true, altSse, false);
                }

                // Vertex AI serving Anthropic models: the Messages body, the model in the path.
                if (verb.Equals("rawPredict", StringComparison.Ordinal))
                {
                    return new LlmEndpoint(provider, ProviderOperation.AnthropicMessages, model, false, false, false);
                }

                if (verb.Equals("streamRawPredict", StringComparison.Ordinal))
                {
                    return new LlmEndpoint(provider, ProviderOperation.AnthropicMessages, model, true, false, false);
                }
            }

            return new LlmEndpoint(provider, ProviderOperation.Unknown, null, false, false, false);
        }

        ProviderOperation op;
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            op = ProviderOperation.ChatCompletions;
        }
        else if (path.EndsWith("/responses", StringComparison.Ordinal))
        {
            op = ProviderOperation.Responses;
        }
        else if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            op = ProviderOperation.Embeddings;
        }
        else if (path.EndsWith("/v1/messages", StringComparison.Ordinal) || path.SequenceEqual("/messages"))
        {
            op = ProviderOperation.AnthropicMessages;
        }
        else
        {
            op = ProviderOperation.Unknown;
        }

        // Azure OpenAI: /openai/deployments/{deployment}/chat/completions?api-version=...
        string? deployment = null;
        var deployments = path.IndexOf("/deployments/", StringComparison.Ordinal);
        if (op != ProviderOperation.Unknown && deployments >= 0)
        {
            var rest = path[(deployments + "/deployments/".Length)..];
            var slash = rest.IndexOf('/');
            if (slash > 0)
            {
                deployment = Unescape(rest[..slash]);
            }
        }

        return new LlmEndpoint(provider, op, deployment, false, false, deployment is not null);
    }

    private static bool HasAltSse(string query)
    {
        var q = query.AsSpan();
        while (!q.IsEmpty)
        {
            if (q[0] is '?' or '&')
            {
                q = q[1..];
                continue;
            }

            var amp = q.IndexOf('&');
            var pair = amp >= 0 ? q[..amp] : q;
            if (pair.Equals("alt=sse", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            q = amp >= 0 ? q[(amp + 1)..] : default;
        }

        return false;
    }

    private static string Unescape(ReadOnlySpan<char> value) =>
        value.Contains('%') ? Uri.UnescapeDataString(value.ToString()) : value.ToString();
}
