namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Marks the requests Zespan sends to its own backend, so no instrumentation records them: process-wide capture
/// skips a marked request even where the runtime's HTTP diagnostics see it (the backend client's own handler
/// has no diagnostics in its pipeline; the mark keeps that true whatever the pipeline becomes).
/// </summary>
internal static class ZespanOwnRequests
{
    /// <summary>The <see cref="HttpRequestMessage.Options"/> key of the mark.</summary>
    public static readonly HttpRequestOptionsKey<bool> Key = new("Zespan.OwnRequest");

    /// <summary>Marks a request as Zespan's own.</summary>
    public static void Mark(HttpRequestMessage request) => request.Options.Set(Key, true);

    /// <summary>Whether a request is Zespan's own (reads <see cref="HttpRequestMessage.Options"/>, which a request creates on first use).</summary>
    public static bool IsMarked(HttpRequestMessage request) => request.Options.TryGetValue(Key, out var marked) && marked;
}
