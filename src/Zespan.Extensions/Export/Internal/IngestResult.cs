namespace Zespan.Extensions.Export.Internal;

/// <summary>The result of one <see cref="IZespanExporter.ExportAsync"/>.</summary>
internal readonly record struct IngestResult(IngestOutcome Outcome, int StatusCode, string Reason, Exception? Error = null, string? ErrorType = null, string? ErrorMessage = null);
