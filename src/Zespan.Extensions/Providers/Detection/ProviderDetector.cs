namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Tells which LLM provider a request goes to from its host, without allocating: a request to any
/// other host is answered with <see langword="null"/> after a few span comparisons.
/// </summary>
internal static class ProviderDetector
{
    /// <summary>Detects the provider of a request URI.</summary>
    /// <param name="uri">The request URI (absolute; a relative one gives <see langword="null"/>).</param>
    /// <param name="liteLlmHosts">The hosts of LiteLLM proxies, each <c>host</c> or <c>host:port</c> (a URL is accepted too).</param>
    /// <returns>The provider, or <see langword="null"/> when the host is not a known LLM endpoint.</returns>
    public static ZespanProvider? Detect(Uri? uri, IList<string>? liteLlmHosts)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return null;
        }

        if (TryGetAuthority(uri.OriginalString.AsSpan(), out var host, out var port))
        {
            return DetectHost(host, port, liteLlmHosts);
        }

        // Not in "scheme://authority" form (rare): ask Uri, which allocates.
        return DetectHost(uri.IdnHost.AsSpan(), uri.Port, liteLlmHosts);
    }

    /// <summary>Detects the provider from a host name and port.</summary>
    public static ZespanProvider? DetectHost(ReadOnlySpan<char> host, int port, IList<string>? liteLlmHosts)
    {
        if (host.Length > 0 && host[^1] == '.')
        {
            host = host[..^1];
        }

        if (host.Length == 0)
        {
            return null;
        }

        var known = DetectKnownHost(host);
        if (known is not null)
        {
            return known;
        }

        if (liteLlmHosts is not null)
        {
            for (var i = 0; i < liteLlmHosts.Count; i++)
            {
                if (MatchesHostEntry(liteLlmHosts[i], host, port))
                {
                    return ZespanProvider.LiteLlm;
                }
            }
        }

        return null;
    }

    private static ZespanProvider? DetectKnownHost(ReadOnlySpan<char> host)
    {
        const StringComparison IgnoreCase = StringComparison.OrdinalIgnoreCase;

        // Most traffic of an app is not LLM traffic: every branch below is a length check or one span comparison.
        if (host.Equals("api.openai.com", IgnoreCase)
            || host.EndsWith(".openai.azure.com", IgnoreCase)
            || host.EndsWith(".cognitiveservices.azure.com", IgnoreCase)
            || host.EndsWith(".services.ai.azure.com", IgnoreCase))
        {
            return ZespanProvider.OpenAI;
        }

        if (host.Equals("api.anthropic.com", IgnoreCase))
        {
            return ZespanProvider.Anthropic;
        }

        if (host.EndsWith("googleapis.com", IgnoreCase)
            && (host.Equals("generativelanguage.googleapis.com", IgnoreCase)
                || host.Equals("aiplatform.googleapis.com", IgnoreCase)
                || host.EndsWith("-aiplatform.googleapis.com", IgnoreCase)))
        {
            return ZespanProvider.Google;
        }

        if ((host.StartsWith("bedrock-runtime.", IgnoreCase) || host.StartsWith("bedrock-runtime-fips.", IgnoreCase))
            && (host.EndsWith(".amazonaws.com", IgnoreCase) || host.EndsWith(".amazonaws.com.cn", IgnoreCase)))
        {
            return ZespanProvider.Bedrock;
        }

        if (host.Equals("api.mistral.ai", IgnoreCase) || host.Equals("codestral.mistral.ai", IgnoreCase))
        {
            return ZespanProvider.Mistral;
        }

        if (host.Equals("api.groq.com", IgnoreCase))
        {
            return ZespanProvider.Groq;
        }

        if (host.Equals("openrouter.ai", IgnoreCase) || host.Equals("api.openrouter.ai", IgnoreCase))
        {
            return ZespanProvider.OpenRouter;
        }

        return null;
    }

    /// <summary>Whether a configured host entry (<c>host</c>, <c>host:port</c> or a URL) names this host and port.</summary>
    internal static bool MatchesHostEntry(string? entry, ReadOnlySpan<char> host, int port)
    {
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }

        var span = entry.AsSpan().Trim();
        int entryPort;
        ReadOnlySpan<char> entryHost;
        if (span.Contains("://", StringComparison.Ordinal))
        {
            if (!TryGetAuthority(span, out entryHost, out entryPort))
            {
                return false;
            }

            // A URL without a port names the scheme's default port, which is what the request uses too.
        }
        else
        {
            var slash = span.IndexOf('/');
            if (slash >= 0)
            {
                span = span[..slash];
            }

            entryPort = -1;
            entryHost = span;
            var colon = span.LastIndexOf(':');
            if (colon >= 0 && span.IndexOf(']') < colon)
            {
                entryHost = span[..colon];
                if (!int.TryParse(span[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out entryPort))
                {
                    return false;
                }
            }
        }

        if (entryHost.Length > 0 && entryHost[^1] == '.')
        {
            entryHost = entryHost[..^1];
        }

        return entryHost.Equals(host, StringComparison.OrdinalIgnoreCase) && (entryPort < 0 || entryPort == port);
    }

    /// <summary>Reads host and port out of <c>scheme://[userinfo@]host[:port][/...]</c> without allocating.</summary>
    internal static bool TryGetAuthority(ReadOnlySpan<char> text, out ReadOnlySpan<char> host, out int port)
    {
        host = default;
        port = -1;
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
