namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Delivers one prepared ingest batch. <see cref="IngestExporter"/> sends it to <c>POST /v1/ingest</c>; it is
/// registered in DI and given to the <see cref="BatchSender"/>, so another implementation can wrap it (an
/// offline store, a test double): register an <see cref="IZespanExporter"/> that takes
/// <see cref="IngestExporter"/> and the sender uses it.
/// </summary>
/// <remarks>
/// Called by one export at a time. <see cref="IngestBody"/> is reused by the next batch: an implementation
/// that keeps the bytes copies them before it returns.
/// </remarks>
internal interface IZespanExporter
{
    /// <summary>Delivers <paramref name="body"/>. Never throws: every failure is an <see cref="IngestResult"/>.</summary>
    /// <param name="body">The gzipped batch, byte-identical on every attempt.</param>
    /// <param name="async">
    /// <see langword="false"/> for the process-exit drain: the call must then complete synchronously (the
    /// synchronous HTTP path; no sync-over-async).
    /// </param>
    /// <param name="cancellationToken">Ends the attempt (the shutdown deadline).</param>
    ValueTask<IngestResult> ExportAsync(IngestBody body, bool async, CancellationToken cancellationToken);
}
