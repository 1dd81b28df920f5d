using System.Globalization;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// A configured host: <c>host</c>, <c>host:port</c>, <c>*.suffix</c> (optionally with a port), or, for
/// <see cref="ZespanOptions.LiteLlmHosts"/>, a URL (whose port, when omitted, is the scheme's default).
/// </summary>
/// <param name="Host">The host, or the suffix with its leading dot (<c>.example.com</c>) for a wildcard.</param>
/// <param name="Port">The port, or -1 for any.</param>
/// <param name="IsSuffix">Whether <paramref name="Host"/> is a suffix.</param>
internal readonly record struct HostPattern(string Host, int Port, bool IsSuffix)
{
    /// <summary>Parses a configured host; false when it is empty or malformed.</summary>
    /// <param name="value">The configured value.</param>
    /// <param name="allowUrl">Whether a URL (<c>scheme://host[:port][/path]</c>) is accepted.</param>
    /// <param name="pattern">The pattern.</param>
    public static bool TryParse(string? value, bool allowUrl, out HostPattern pattern)
    {
        pattern = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var span = value.AsSpan().Trim();
        ReadOnlySpan<char> host;
        int port;
        if (span.Contains("://", StringComparison.Ordinal))
        {
            if (!allowUrl || !ProviderDetector.TryGetAuthority(span, out host, out port))
            {
                return false;
            }
        }
        else
        {
            if (span.IndexOfAny('/', '?', '#') is var end and >= 0)
            {
                if (!allowUrl)
                {
                    return false;
                }

                span = span[..end];
            }

            port = -1;
            host = span;
            var colon = span.LastIndexOf(':');
            if (colon >= 0 && span.IndexOf(']') < colon)
            {
                host = span[..colon];
                if (!int.TryParse(span[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                {
                    return false;
                }
            }
        }

        if (host.Length > 0 && host[^1] == '.')
        {
            host = host[..^1];
        }

        var isSuffix = false;
        if (host.StartsWith("*.", StringComparison.Ordinal))
        {
            host = host[1..]; // keep the dot: ".example.com"
            isSuffix = true;
        }

        if (host.Length == 0 || (isSuffix && host.Length < 2) || host.IndexOfAny(" *@\\") >= 0 || (host.Contains(':') && host[0] != '['))
        {
            return false;
        }

        pattern = new HostPattern(host.ToString(), port, isSuffix);
        return true;
    }

    /// <summary>Whether a request's host and port match.</summary>
    public bool Matches(ReadOnlySpan<char> host, int port) =>
        (Port < 0 || Port == port)
        && (IsSuffix
            ? host.Length > Host.Length && host.EndsWith(Host, StringComparison.OrdinalIgnoreCase)
            : host.Equals(Host, StringComparison.OrdinalIgnoreCase));
}
