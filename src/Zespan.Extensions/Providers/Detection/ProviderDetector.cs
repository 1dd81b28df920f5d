namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Tells which LLM provider a request goes to from its host, without allocating: a request to any
/// other host is answered with <see langword="null"/> after a few span comparisons.
/// </summary>
internal static class ProviderDetector
{
    /// <summary>Detects the provider of a request URI.</summary>
    /// <param name="uri">The request URI (absolute; a relative one gives <see langword="null"/>).</param>
    /// <param name="endpoints">The configured endpoints (<see cref="ZespanOptions.ProviderEndpoints"/> and <see cref="ZespanOptions.LiteLlmHosts"/>), matched first.</param>
    /// <returns>The provider, or <see langword="null"/> when the host is not a known LLM endpoint.</returns>
    public static DetectedProvider? Detect(Uri? uri, ProviderEndpointTable? endpoints)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return null;
        }

        if (TryGetAuthority(uri.OriginalString.AsSpan(), out var host, out var port, out var path))
        {
            return DetectHost(host, port, path, endpoints);
        }

        // Not in "scheme://authority" form (rare): ask Uri, which allocates.
        return DetectHost(uri.IdnHost.AsSpan(), uri.Port, uri.AbsolutePath.AsSpan(), endpoints);
    }

    /// <summary>Detects the provider from a host name, port and path.</summary>
    public static DetectedProvider? DetectHost(ReadOnlySpan<char> host, int port, ReadOnlySpan<char> path, ProviderEndpointTable? endpoints)
    {
        if (host.Length > 0 && host[^1] == '.')
        {
            host = host[..^1];
        }

        if (host.Length == 0)
        {
            return null;
        }

        if (endpoints is { Count: > 0 } && endpoints.TryMatch(host, port, path, out var configured))
        {
            return configured;
        }

        return DetectKnownHost(host);
    }

    private static DetectedProvider? DetectKnownHost(ReadOnlySpan<char> host)
    {
        const StringComparison IgnoreCase = StringComparison.OrdinalIgnoreCase;

        // Most traffic of an app is not LLM traffic: the host's registrable part (its last two labels) is compared
        // with the few domains providers live under, picked by length (one or two comparisons), and only a match
        // looks further.
        var last = host.LastIndexOf('.');
        if (last <= 0)
        {
            return null;
        }

        var second = host[..last].LastIndexOf('.');
        var domain = second < 0 ? host : host[(second + 1)..];
        if (domain.Equals("openai.com", IgnoreCase))
        {
            // The most common provider first, outside the table.
            return host.Equals("api.openai.com", IgnoreCase) ? new DetectedProvider(ZespanProvider.OpenAI, null) : null;
        }

        switch (domain.Length)
        {
            case 4:
                return domain.Equals("x.ai", IgnoreCase) ? OpenAICompatible(host, "api.x.ai", ProviderNames.XAI) : null;
            case 6:
                return domain.Equals("com.cn", IgnoreCase) && host.EndsWith(".amazonaws.com.cn", IgnoreCase) ? Bedrock(host) : null;
            case 8:
                return domain.Equals("groq.com", IgnoreCase) && host.Equals("api.groq.com", IgnoreCase) ? new DetectedProvider(ZespanProvider.Groq, null) : null;
            case 9:
                return domain.Equals("azure.com", IgnoreCase)
                    && (host.EndsWith(".openai.azure.com", IgnoreCase)
                        || host.EndsWith(".cognitiveservices.azure.com", IgnoreCase)
                        || host.EndsWith(".services.ai.azure.com", IgnoreCase))
                    ? new DetectedProvider(ZespanProvider.OpenAI, null)
                    : null;
            case 10:
                return domain.Equals("mistral.ai", IgnoreCase)
                    && (host.Equals("api.mistral.ai", IgnoreCase) || host.Equals("codestral.mistral.ai", IgnoreCase))
                    ? new DetectedProvider(ZespanProvider.Mistral, null)
                    : null;
            case 11:
                return domain.Equals("together.ai", IgnoreCase) ? OpenAICompatible(host, "api.together.ai", ProviderNames.Together)
                    : domain.Equals("cerebras.ai", IgnoreCase) ? OpenAICompatible(host, "api.cerebras.ai", ProviderNames.Cerebras)
                    : null;
            case 12:
                return domain.Equals("deepseek.com", IgnoreCase) ? OpenAICompatible(host, "api.deepseek.com", ProviderNames.DeepSeek)
                    : domain.Equals("together.xyz", IgnoreCase) ? OpenAICompatible(host, "api.together.xyz", ProviderNames.Together)
                    : domain.Equals("fireworks.ai", IgnoreCase) ? OpenAICompatible(host, "api.fireworks.ai", ProviderNames.Fireworks)
                    : null;
            case 13:
                if (domain.Equals("anthropic.com", IgnoreCase))
                {
                    return host.Equals("api.anthropic.com", IgnoreCase) ? new DetectedProvider(ZespanProvider.Anthropic, null) : null;
                }

                if (domain.Equals("amazonaws.com", IgnoreCase))
                {
                    return Bedrock(host);
                }

                if (domain.Equals("openrouter.ai", IgnoreCase))
                {
                    return host.Equals("openrouter.ai", IgnoreCase) || host.Equals("api.openrouter.ai", IgnoreCase) ? new DetectedProvider(ZespanProvider.OpenRouter, null) : null;
                }

                return domain.Equals("perplexity.ai", IgnoreCase) ? OpenAICompatible(host, "api.perplexity.ai", ProviderNames.Perplexity) : null;
            case 14:
                return domain.Equals("googleapis.com", IgnoreCase)
                    && (host.Equals("generativelanguage.googleapis.com", IgnoreCase)
                        || host.Equals("aiplatform.googleapis.com", IgnoreCase)
                        || host.EndsWith("-aiplatform.googleapis.com", IgnoreCase))
                    ? new DetectedProvider(ZespanProvider.Google, null)
                    : null;
            default:
                return null;
        }

        static DetectedProvider? Bedrock(ReadOnlySpan<char> host) =>
            host.StartsWith("bedrock-runtime.", StringComparison.OrdinalIgnoreCase) || host.StartsWith("bedrock-runtime-fips.", StringComparison.OrdinalIgnoreCase)
                ? new DetectedProvider(ZespanProvider.Bedrock, null)
                : null;

        // OpenAI-compatible APIs of other vendors: the OpenAI wire format, under the vendor's own name.
        static DetectedProvider? OpenAICompatible(ReadOnlySpan<char> host, string apiHost, string name) =>
            host.Equals(apiHost, StringComparison.OrdinalIgnoreCase) ? new DetectedProvider(ZespanProvider.OpenAI, name) : null;
    }

    /// <summary>Reads host and port out of <c>scheme://[userinfo@]host[:port][/...]</c> without allocating.</summary>
    internal static bool TryGetAuthority(ReadOnlySpan<char> text, out ReadOnlySpan<char> host, out int port) =>
        TryGetAuthority(text, out host, out port, out _);

    /// <summary>Reads host, port and path (up to the query) out of <c>scheme://[userinfo@]host[:port][/path][?...]</c> without allocating.</summary>
    internal static bool TryGetAuthority(ReadOnlySpan<char> text, out ReadOnlySpan<char> host, out int port, out ReadOnlySpan<char> path)
    {
        host = default;
        port = -1;
        path = default;
        text = text.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return false;
        }

        var scheme = text[..schemeEnd];
        var authority = text[(schemeEnd + 3)..];
        var end = authority.IndexOfAny('/', '?', '#');
        if (end >= 0)
        {
            path = authority[end..];
            var query = path.IndexOfAny('?', '#');
            path = query >= 0 ? path[..query] : path;
            authority = authority[..end];
        }

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }

        var colon = authority.LastIndexOf(':');
        if (colon >= 0 && authority.IndexOf(']') < colon)
        {
            host = authority[..colon];
            if (!int.TryParse(authority[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port))
            {
                return false;
            }
        }
        else
        {
            host = authority;
            port = scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? 443
                : scheme.Equals("http", StringComparison.OrdinalIgnoreCase) ? 80
                : -1;
        }

        return host.Length > 0;
    }
}
