using Microsoft.Extensions.Logging;

namespace Zespan.Extensions.Prompts.Internal;

/// <summary>The prompt client's log messages (event ids 5001-5099 of <see cref="ZespanLogEvents"/>, category <c>Zespan</c>).</summary>
internal static partial class PromptsLog
{
    [LoggerMessage(EventId = ZespanLogEvents.PromptRefreshFailed, EventName = nameof(ZespanLogEvents.PromptRefreshFailed), Level = LogLevel.Warning,
        Message = "Refreshing prompt '{PromptName}' (label '{Label}', version {RequestedVersion}) failed; the cached version {CachedVersion} is served until a refresh succeeds.")]
    public static partial void RefreshFailed(ILogger logger, Exception exception, string promptName, string? label, int? requestedVersion, int cachedVersion);

    [LoggerMessage(EventId = ZespanLogEvents.PromptEvicted, EventName = nameof(ZespanLogEvents.PromptEvicted), Level = LogLevel.Information,
        Message = "Prompt '{PromptName}' (label '{Label}', version {RequestedVersion}) no longer exists on the Zespan backend; it was removed from the cache.")]
    public static partial void Evicted(ILogger logger, string promptName, string? label, int? requestedVersion);

    [LoggerMessage(EventId = ZespanLogEvents.PromptFallbackUsed, EventName = nameof(ZespanLogEvents.PromptFallbackUsed), Level = LogLevel.Warning,
        Message = "Prompt '{PromptName}' (label '{Label}', version {RequestedVersion}) could not be fetched and none was cached; the fallback is used.")]
    public static partial void FallbackUsed(ILogger logger, Exception exception, string promptName, string? label, int? requestedVersion);

    [LoggerMessage(EventId = ZespanLogEvents.PromptFetched, EventName = nameof(ZespanLogEvents.PromptFetched), Level = LogLevel.Debug,
        Message = "Prompt '{PromptName}' (label '{Label}', version {RequestedVersion}) fetched: version {FetchedVersion}.")]
    public static partial void Fetched(ILogger logger, string promptName, string? label, int? requestedVersion, int fetchedVersion);

    [LoggerMessage(EventId = ZespanLogEvents.PromptRefreshed, EventName = nameof(ZespanLogEvents.PromptRefreshed), Level = LogLevel.Debug,
        Message = "Prompt '{PromptName}' (label '{Label}', version {RequestedVersion}) refreshed in the background: version {FetchedVersion}.")]
    public static partial void Refreshed(ILogger logger, string promptName, string? label, int? requestedVersion, int fetchedVersion);

    [LoggerMessage(EventId = ZespanLogEvents.PromptDisabledFallbackUsed, EventName = nameof(ZespanLogEvents.PromptDisabledFallbackUsed), Level = LogLevel.Debug,
        Message = "Zespan is disabled (Zespan:Enabled is false); the fallback of prompt '{PromptName}' is used.")]
    public static partial void DisabledFallback(ILogger logger, string promptName);
}
