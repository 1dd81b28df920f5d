using Microsoft.Extensions.Logging;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The export's log messages (category <c>Zespan</c>, event ids 2000-2099). Failures are logged only
/// when <c>Zespan:Debug</c> is true, except those the user must act on (a rejected key, a rejected batch),
/// which are logged once. The API key is never part of a message.
/// </summary>
internal static partial class ExportLog
{
    [LoggerMessage(EventId = ZespanLogEvents.ApiKeyRejected, EventName = nameof(ZespanLogEvents.ApiKeyRejected), Level = LogLevel.Error,
        Message = "The Zespan backend rejected the API key (HTTP {StatusCode}). Zespan sends nothing more until Zespan:ApiKey changes; meanwhile events wait in the queue and, once it is full, are dropped and counted. Set Zespan:ApiKey or the ZESPAN_API_KEY environment variable to a valid key of your Zespan project.")]
    public static partial void ApiKeyRejected(ILogger logger, int statusCode);

    [LoggerMessage(EventId = ZespanLogEvents.ApiKeyChanged, EventName = nameof(ZespanLogEvents.ApiKeyChanged), Level = LogLevel.Information,
        Message = "Zespan:ApiKey changed; sending events to Zespan resumes.")]
    public static partial void ApiKeyChanged(ILogger logger);

    [LoggerMessage(EventId = ZespanLogEvents.BatchRejected, EventName = nameof(ZespanLogEvents.BatchRejected), Level = LogLevel.Warning,
        Message = "The Zespan backend rejected a batch of {EventCount} events (HTTP {StatusCode}, {ErrorType}: {ErrorMessage}); it was dropped. Further rejections are logged only when Zespan:Debug is true.")]
    public static partial void BatchRejected(ILogger logger, int eventCount, int statusCode, string? errorType, string? errorMessage);

    [LoggerMessage(EventId = ZespanLogEvents.BatchFailed, EventName = nameof(ZespanLogEvents.BatchFailed), Level = LogLevel.Warning,
        Message = "Zespan could not deliver a batch of {EventCount} events after {Attempts} attempt(s) (HTTP {StatusCode}, {Reason}); it is kept and sent again, with the same batch_id, when the backend takes it.")]
    public static partial void BatchFailed(ILogger logger, int eventCount, int attempts, int statusCode, string reason, Exception? exception);

    [LoggerMessage(EventId = ZespanLogEvents.EventTooLarge, EventName = nameof(ZespanLogEvents.EventTooLarge), Level = LogLevel.Warning,
        Message = "Zespan dropped an event of {EventBytes} bytes: even with its text fields cut it exceeds {LimitBytes} bytes (Zespan:MaxEventBytes, or Zespan:MaxBatchBytes with the batch envelope).")]
    public static partial void EventTooLarge(ILogger logger, int eventBytes, int limitBytes);

    [LoggerMessage(EventId = ZespanLogEvents.LoneEventTooLarge, EventName = nameof(ZespanLogEvents.LoneEventTooLarge), Level = LogLevel.Warning,
        Message = "The Zespan backend answered 413 for a batch holding a single event ({BodyBytes} bytes of JSON); the event was dropped.")]
    public static partial void LoneEventTooLarge(ILogger logger, int bodyBytes);

    [LoggerMessage(EventId = ZespanLogEvents.BatchSplit, EventName = nameof(ZespanLogEvents.BatchSplit), Level = LogLevel.Debug,
        Message = "The Zespan backend answered 413 for a batch of {EventCount} events; it is sent again as two batches.")]
    public static partial void BatchSplit(ILogger logger, int eventCount);

    [LoggerMessage(EventId = ZespanLogEvents.ProcessorFailed, EventName = nameof(ZespanLogEvents.ProcessorFailed), Level = LogLevel.Warning,
        Message = "The Zespan event processor {Processor} threw; the event was dropped.")]
    public static partial void ProcessorFailed(ILogger logger, string processor, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.SerializationFailed, EventName = nameof(ZespanLogEvents.SerializationFailed), Level = LogLevel.Warning,
        Message = "Zespan could not serialize the event {EventName}; it was dropped.")]
    public static partial void SerializationFailed(ILogger logger, string eventName, Exception exception);

    // 2010 (ZespanCycleParticipantFailed) is retired: flush-cycle steps are gone; remote configuration polls on its own.

    [LoggerMessage(EventId = ZespanLogEvents.ExportLoopFailed, EventName = nameof(ZespanLogEvents.ExportLoopFailed), Level = LogLevel.Warning,
        Message = "The Zespan export loop caught an unexpected error; it keeps running.")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.QueueFull, EventName = nameof(ZespanLogEvents.QueueFull), Level = LogLevel.Warning,
        Message = "Zespan's event queue was full (Zespan:MaxQueueSize {MaxQueueSize} events, or Zespan:MaxQueueBytes): {Count} events were dropped since the last report.")]
    public static partial void QueueFull(ILogger logger, int maxQueueSize, long count);

    [LoggerMessage(EventId = ZespanLogEvents.UndeliveredAtShutdown, EventName = nameof(ZespanLogEvents.UndeliveredAtShutdown), Level = LogLevel.Warning,
        Message = "{Count} Zespan events were not delivered before the shutdown drain ended.")]
    public static partial void UndeliveredAtShutdown(ILogger logger, int count);

    [LoggerMessage(EventId = ZespanLogEvents.ExportStartFailed, EventName = nameof(ZespanLogEvents.ExportStartFailed), Level = LogLevel.Warning,
        Message = "The Zespan export loop could not start; events wait for FlushAsync.")]
    public static partial void StartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.OfflineStorageUnavailable, EventName = nameof(ZespanLogEvents.OfflineStorageUnavailable), Level = LogLevel.Warning,
        Message = "Zespan cannot write to Zespan:OfflineStorageDirectory '{Directory}' ({Reason}); events wait in memory only (Zespan:MaxQueueBytes) and the directory is tried again later. Give the app write access to the directory, or change the setting.")]
    public static partial void OfflineStorageUnavailable(ILogger logger, string directory, string reason, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.OfflineBatchCorrupt, EventName = nameof(ZespanLogEvents.OfflineBatchCorrupt), Level = LogLevel.Warning,
        Message = "Zespan removed the stored batch {FileName} from offline storage: it could not be read back (truncated or damaged); its {EventCount} events are counted as lost.")]
    public static partial void OfflineBatchCorrupt(ILogger logger, string fileName, int eventCount);

    [LoggerMessage(EventId = ZespanLogEvents.OfflineStorageFull, EventName = nameof(ZespanLogEvents.OfflineStorageFull), Level = LogLevel.Warning,
        Message = "Zespan's offline storage '{Directory}' reached Zespan:MaxOfflineStorageBytes ({MaxBytes}); the oldest batch ({EventCount} events) was removed and counted as lost.")]
    public static partial void OfflineStorageFull(ILogger logger, string directory, long maxBytes, int eventCount);

    [LoggerMessage(EventId = ZespanLogEvents.EventTruncated, EventName = nameof(ZespanLogEvents.EventTruncated), Level = LogLevel.Debug,
        Message = "Zespan cut the largest text fields of the event {EventName} to {EventBytes} bytes (Zespan:MaxEventBytes {MaxEventBytes}); it is sent marked truncated.")]
    public static partial void EventTruncated(ILogger logger, string eventName, int eventBytes, int maxEventBytes);
}
