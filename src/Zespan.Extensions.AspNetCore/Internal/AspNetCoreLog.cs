using Microsoft.Extensions.Logging;

namespace Zespan.Extensions.AspNetCore.Internal;

/// <summary>The log messages of the ASP.NET Core integration (category <c>Zespan</c>).</summary>
internal static partial class AspNetCoreLog
{
    [LoggerMessage(EventId = ZespanAspNetCoreLogEvents.EnrichTagsFailed, EventName = nameof(ZespanAspNetCoreLogEvents.EnrichTagsFailed), Level = LogLevel.Warning,
        Message = "ZespanAspNetCoreOptions.EnrichTags threw; the request's events carry no tags from it.")]
    public static partial void EnrichTagsFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = ZespanAspNetCoreLogEvents.RequestContextFailed, EventName = nameof(ZespanAspNetCoreLogEvents.RequestContextFailed), Level = LogLevel.Debug,
        Message = "The request's user, session or route could not be read; its events carry what was read before.")]
    public static partial void RequestContextFailed(ILogger logger, Exception exception);
}
