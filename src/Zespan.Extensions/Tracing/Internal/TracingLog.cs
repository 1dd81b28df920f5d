using Microsoft.Extensions.Logging;

namespace Zespan.Extensions.Tracing.Internal;

/// <summary>Log messages of tracing, redaction and export filters (event ids 3001-3299 of <see cref="ZespanLogEvents"/>, category <c>Zespan</c>).</summary>
internal static partial class TracingLog
{
    [LoggerMessage(EventId = ZespanLogEvents.EventCompleteFailed, EventName = nameof(ZespanLogEvents.EventCompleteFailed), Level = LogLevel.Warning, Message = "Zespan could not complete a '{LogType}' event; it was not recorded.")]
    public static partial void CompleteFailed(ILogger logger, string logType, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.GenerationLogFailed, EventName = nameof(ZespanLogEvents.GenerationLogFailed), Level = LogLevel.Warning, Message = "Zespan could not record a generation; the call itself is unaffected.")]
    public static partial void LogGenerationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.SpanStartFailed, EventName = nameof(ZespanLogEvents.SpanStartFailed), Level = LogLevel.Warning, Message = "Zespan could not start a '{LogType}' span; the code runs untraced.")]
    public static partial void StartFailed(ILogger logger, string logType, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.RedactionFailed, EventName = nameof(ZespanLogEvents.RedactionFailed), Level = LogLevel.Error, Message = "Zespan redaction failed on a '{LogType}' event; the event was dropped rather than sent unredacted.")]
    public static partial void RedactionFailed(ILogger logger, string logType, Exception exception);

    [LoggerMessage(EventId = ZespanLogEvents.FilterRegexTimeout, EventName = nameof(ZespanLogEvents.FilterRegexTimeout), Level = LogLevel.Warning, Message = "Zespan export filter {Index} ('{Field}' regex) timed out on a value; the value counts as not matching. Further timeouts of this filter are not logged.")]
    public static partial void FilterRegexTimeout(ILogger logger, int index, string field);

    [LoggerMessage(EventId = ZespanLogEvents.FilterFailed, EventName = nameof(ZespanLogEvents.FilterFailed), Level = LogLevel.Warning, Message = "Zespan export filters failed on a '{LogType}' event; it is exported unfiltered.")]
    public static partial void FilterFailed(ILogger logger, string logType, Exception exception);
}
