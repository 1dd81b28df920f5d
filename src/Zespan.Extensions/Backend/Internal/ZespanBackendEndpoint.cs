namespace Zespan.Extensions.Backend.Internal;

/// <summary>The backend endpoints; each has its own resilience pipeline, so an outage of one never trips another.</summary>
internal enum ZespanBackendEndpoint
{
    Ingest,
    Config,
    Prompts,
    Guardrails,
}

/// <summary>The most bytes read from one answer of each endpoint, counted after decompression.</summary>
internal static class ZespanBackendLimits
{
    /// <summary>An ingest answer is <c>{"accepted": N}</c> or an error body: a few KiB at most.</summary>
    public const int IngestResponseBytes = 16 * 1024;

    /// <summary>A remote configuration, a prompt or a page of prompts, a guardrail verdict: a few MiB at most.</summary>
    public const int DocumentResponseBytes = 4 * 1024 * 1024;

    /// <summary>Gets the most bytes read from one answer of <paramref name="endpoint"/>.</summary>
    public static int MaxResponseBytes(ZespanBackendEndpoint endpoint) =>
        endpoint == ZespanBackendEndpoint.Ingest ? IngestResponseBytes : DocumentResponseBytes;
}
