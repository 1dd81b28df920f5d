using Microsoft.Extensions.Logging;

namespace Zespan.DevServer.Hosting;

/// <summary>Every log line of the dev server (source-generated; never an API key, never prompt text).</summary>
internal static partial class Log
{
    public const string Category = "Zespan.DevServer";

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Zespan dev server listening on {Url} (database {DatabasePath})")]
    public static partial void Listening(this ILogger logger, string url, string databasePath);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Applied schema migration {Version}: {Description}")]
    public static partial void MigrationApplied(this ILogger logger, int version, string description);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Accepted batch {BatchId} with {Count} events")]
    public static partial void BatchAccepted(this ILogger logger, string batchId, int count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Batch {BatchId} was already stored; answered 202 and stored nothing")]
    public static partial void BatchDuplicate(this ILogger logger, string batchId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Rejected a request to {Path} with {Status}: {Reason}")]
    public static partial void RequestRejected(this ILogger logger, string path, int status, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Unauthorized {Method} {Path}: {Reason}")]
    public static partial void Unauthorized(this ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledError(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Remote configuration of environment {Environment} is now version {Version}")]
    public static partial void ConfigUpdated(this ILogger logger, string environment, long version);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Guardrail policies changed: {Count} in force")]
    public static partial void PoliciesUpdated(this ILogger logger, int count);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Created prompt {Name} version {Version}")]
    public static partial void PromptCreated(this ILogger logger, string name, long version);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Prompt {Name} version {Version} now has labels {Labels}")]
    public static partial void PromptLabelsUpdated(this ILogger logger, string name, long version, string labels);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "No --api-key given: any key starting with zsp_ is accepted (fine on loopback, for local use only)")]
    public static partial void AnyKeyAccepted(this ILogger logger);
}
