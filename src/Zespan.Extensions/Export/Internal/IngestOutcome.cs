namespace Zespan.Extensions.Export.Internal;

/// <summary>How the backend (or the way to it) answered one ingest batch.</summary>
internal enum IngestOutcome
{
    /// <summary>2xx: stored.</summary>
    Accepted,

    /// <summary>400 or another non-transient 4xx: dropped for good.</summary>
    Rejected,

    /// <summary>401 or 403: the key is bad; nothing more is sent until it changes.</summary>
    KeyRejected,

    /// <summary>413: the body is too large; split it.</summary>
    TooLarge,

    /// <summary>Retries ran out, the circuit is open, a network error or the time ran out.</summary>
    Failed,
}
