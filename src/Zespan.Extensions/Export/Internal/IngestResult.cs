namespace Zespan.Extensions.Export.Internal;

/// <summary>The result of one <see cref="IZespanExporter.ExportAsync"/>.</summary>
/// <param name="Outcome">How the backend (or the way to it) answered.</param>
/// <param name="StatusCode">The HTTP status of the last attempt; 0 when there was none.</param>
/// <param name="Reason">A short reason for the log.</param>
/// <param name="Error">The failure, when no answer came.</param>
/// <param name="ErrorType">The error body's <c>type</c>, for a rejected batch.</param>
/// <param name="ErrorMessage">The error body's <c>message</c>, for a rejected batch.</param>
/// <param name="RetryAfter">The delay the last answer's <c>Retry-After</c> asked for (capped at 60 s), for a failed delivery.</param>
internal readonly record struct IngestResult(
    IngestOutcome Outcome,
    int StatusCode,
    string Reason,
    Exception? Error = null,
    string? ErrorType = null,
    string? ErrorMessage = null,
    TimeSpan? RetryAfter = null);
