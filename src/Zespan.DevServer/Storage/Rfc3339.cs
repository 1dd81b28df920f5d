using System.Globalization;

namespace Zespan.DevServer.Storage;

/// <summary>Times on the wire: RFC 3339, UTC, microseconds (<c>2026-11-21T23:00:00.123456Z</c>).</summary>
internal static class Rfc3339
{
    private const string Format6 = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString(Format6, CultureInfo.InvariantCulture);

    public static string FromMicroseconds(long microseconds) =>
        Format(DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10));

    public static long ToMicroseconds(DateTimeOffset value) =>
        (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>Parses an RFC 3339 time with an offset or <c>Z</c> (a time without one is taken as UTC).</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
        {
            value = default;
            return false;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}
