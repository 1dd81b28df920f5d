using System.Diagnostics.CodeAnalysis;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>
/// An RFC 3339 time in a query string (<c>?from=2026-11-21T23:00:00Z</c>), bound by minimal APIs through
/// <see cref="TryParse"/>; a time without an offset is UTC. A value that does not parse is a 400.
/// </summary>
internal readonly record struct QueryTime(long Microseconds)
{
    public static bool TryParse([NotNullWhen(true)] string? value, IFormatProvider? provider, out QueryTime result)
    {
        if (Rfc3339.TryParse(value, out var time))
        {
            result = new QueryTime(Rfc3339.ToMicroseconds(time));
            return true;
        }

        result = default;
        return false;
    }
}
