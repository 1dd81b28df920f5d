namespace Zespan.Extensions.AI;

/// <summary>
/// Every log event id of this assembly, one named constant each. Every <c>[LoggerMessage]</c> takes its
/// <c>EventId</c> and its <c>EventName</c> from here; a test fails when an id is used twice, is not a
/// constant of this class, or collides with an id of Zespan.Extensions. docs/telemetry.md lists them.
/// </summary>
/// <remarks>
/// This assembly logs in the same <c>Zespan</c> category as Zespan.Extensions, whose
/// <c>ZespanLogEvents</c> reserves the range 4001-4999 for it:
/// <list type="table">
/// <item><term>4001-4099</term><description>the IChatClient and embedding generator middleware</description></item>
/// </list>
/// </remarks>
internal static class ZespanAILogEvents
{
    // 4001-4099: the IChatClient and embedding generator middleware

    /// <summary>Debug: an IChatClient call could not be recorded; the call itself is unaffected.</summary>
    public const int ChatClientRecordFailed = 4001;

    /// <summary>Debug: an embedding generator call could not be recorded; the call itself is unaffected.</summary>
    public const int EmbeddingRecordFailed = 4002;
}
