namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The length a content that wraps another reports: the wrapped content's <c>Content-Length</c> when it has one, so
/// framing (a length or chunked) is exactly what it would have been without Zespan.
/// </summary>
internal static class ForwardedLength
{
    public static bool TryGet(HttpContent inner, out long length)
    {
        if (inner.Headers.ContentLength is { } known)
        {
            length = known;
            return true;
        }

        length = 0;
        return false;
    }
}
