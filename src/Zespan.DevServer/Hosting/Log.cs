using Microsoft.Extensions.Logging;

namespace Zespan.DevServer.Hosting;

/// <summary>Every log line of the dev server (source-generated; never an API key, never prompt text).</summary>
internal static partial class Log
{
    public const string Category = "Zespan.DevServer";

    [LoggerMessage(EventId = DevServerLogEvents.Listening, EventName = nameof(DevServerLogEvents.Listening), Level = LogLevel.Information, Message = "Zespan dev server listening on {Url} (database {DatabasePath})")]
    public static partial void Listening(this ILogger logger, string url, string databasePath);

    [LoggerMessage(EventId = DevServerLogEvents.MigrationApplied, EventName = nameof(DevServerLogEvents.MigrationApplied), Level = LogLevel.Information, Message = "Applied schema migration {Version}: {Description}")]
    public static partial void MigrationApplied(this ILogger logger, int version, string description);

    [LoggerMessage(EventId = DevServerLogEvents.BatchAccepted, EventName = nameof(DevServerLogEvents.BatchAccepted), Level = LogLevel.Debug, Message = "Accepted batch {BatchId} with {Count} events")]
    public static partial void BatchAccepted(this ILogger logger, string batchId, int count);

    [LoggerMessage(EventId = DevServerLogEvents.BatchDuplicate, EventName = nameof(DevServerLogEvents.BatchDuplicate), Level = LogLevel.Debug, Message = "Batch {BatchId} was already stored; answered 202 and stored nothing")]
    public static partial void BatchDuplicate(this ILogger logger, string batchId);

    [LoggerMessage(EventId = DevServerLogEvents.RequestRejected, EventName = nameof(DevServerLogEvents.RequestRejected), Level = LogLevel.Information, Message = "Rejected a request to {Path} with {Status}: {Reason}")]
    public static partial void RequestRejected(this ILogger logger, string path, int status, string reason);

    [LoggerMessage(EventId = DevServerLogEvents.Unauthorized, EventName = nameof(DevServerLogEvents.Unauthorized), Level = LogLevel.Warning, Message = "Unauthorized {Method} {Path}: {Reason}")]
    public static partial void Unauthorized(this ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = DevServerLogEvents.UnhandledError, EventName = nameof(DevServerLogEvents.UnhandledError), Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledError(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = DevServerLogEvents.ConfigUpdated, EventName = nameof(DevServerLogEvents.ConfigUpdated), Level = LogLevel.Information, Message = "Remote configuration of environment {Environment} is now version {Version}")]
    public static partial void ConfigUpdated(this ILogger logger, string environment, long version);

    [LoggerMessage(EventId = DevServerLogEvents.PoliciesUpdated, EventName = nameof(DevServerLogEvents.PoliciesUpdated), Level = LogLevel.Information, Message = "Guardrail policies changed: {Count} in force")]
    public static partial void PoliciesUpdated(this ILogger logger, int count);

    [LoggerMessage(EventId = DevServerLogEvents.PromptCreated, EventName = nameof(DevServerLogEvents.PromptCreated), Level = LogLevel.Information, Message = "Created prompt {Name} version {Version}")]
    public static partial void PromptCreated(this ILogger logger, string name, long version);

    [LoggerMessage(EventId = DevServerLogEvents.PromptLabelsUpdated, EventName = nameof(DevServerLogEvents.PromptLabelsUpdated), Level = LogLevel.Information, Message = "Prompt {Name} version {Version} now has labels {Labels}")]
    public static partial void PromptLabelsUpdated(this ILogger logger, string name, long version, string labels);

    [LoggerMessage(EventId = DevServerLogEvents.GeneratedApiKey, EventName = nameof(DevServerLogEvents.GeneratedApiKey), Level = LogLevel.Information, Message = "No --api-key given: an API key was generated for this run (printed with the viewer URL, never logged)")]
    public static partial void GeneratedApiKey(this ILogger logger);

    [LoggerMessage(EventId = DevServerLogEvents.HostRejected, EventName = nameof(DevServerLogEvents.HostRejected), Level = LogLevel.Warning, Message = "Rejected a request to {Path}: its Host header does not name this machine (DNS rebinding protection)")]
    public static partial void HostRejected(this ILogger logger, string path);

    [LoggerMessage(EventId = DevServerLogEvents.RequestLimited, EventName = nameof(DevServerLogEvents.RequestLimited), Level = LogLevel.Warning, Message = "Answered 429 to {Method} {Path}: the {Policy} concurrency limit and its queue are full")]
    public static partial void RequestLimited(this ILogger logger, string method, string path, string policy);

    [LoggerMessage(EventId = DevServerLogEvents.RetentionDeleted, EventName = nameof(DevServerLogEvents.RetentionDeleted), Level = LogLevel.Information, Message = "Retention removed {Traces} traces ({Events} events)")]
    public static partial void RetentionDeleted(this ILogger logger, int traces, long events);

    [LoggerMessage(EventId = DevServerLogEvents.RetentionFailed, EventName = nameof(DevServerLogEvents.RetentionFailed), Level = LogLevel.Error, Message = "Retention failed; it runs again in a minute")]
    public static partial void RetentionFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = DevServerLogEvents.OtlpAccepted, EventName = nameof(DevServerLogEvents.OtlpAccepted), Level = LogLevel.Debug, Message = "Accepted an OTLP export with {Count} spans ({Encoding})")]
    public static partial void OtlpAccepted(this ILogger logger, int count, string encoding);
}
