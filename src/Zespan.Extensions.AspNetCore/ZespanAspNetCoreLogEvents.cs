namespace Zespan.Extensions;

/// <summary>
/// Every log event id of this assembly, one named constant each. Every <c>[LoggerMessage]</c> takes its
/// <c>EventId</c> and its <c>EventName</c> from here; a test fails when an id is used twice, is not a
/// constant of this class, or collides with an id of Zespan.Extensions. docs/telemetry.md lists them.
/// </summary>
/// <remarks>
/// This assembly logs in the same <c>Zespan</c> category as Zespan.Extensions, whose
/// <c>ZespanLogEvents</c> reserves the range 6001-6999 for it:
/// <list type="table">
/// <item><term>6001-6099</term><description>the request context scope</description></item>
/// </list>
/// </remarks>
internal static class ZespanAspNetCoreLogEvents
{
    // 6001-6099: the request context scope

    /// <summary>Warning: <c>ZespanAspNetCoreOptions.EnrichTags</c> threw; the request's events carry no tags from it.</summary>
    public const int EnrichTagsFailed = 6001;

    /// <summary>Debug: the request's user, session or route could not be read; its events carry what was read before.</summary>
    public const int RequestContextFailed = 6002;
}
