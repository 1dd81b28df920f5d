using System.Net;

namespace Zespan.DevServer.Hosting;

/// <summary>Tells loopback listen URLs from the others.</summary>
internal static class ListenAddresses
{
    /// <summary>Returns true when <paramref name="url"/> binds only a loopback address (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string url)
    {
        var host = HostOf(url);
        if (host is null)
        {
            return false;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>The host part of a Kestrel URL (<c>http://HOST:PORT/...</c>), brackets removed; null when there is none.</summary>
    public static string? HostOf(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return null;
        }

        var rest = url[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            rest = rest[..slash];
        }

        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? null : rest[1..close];
        }

        var colon = rest.LastIndexOf(':');
        return colon >= 0 ? rest[..colon] : rest;
    }
}
