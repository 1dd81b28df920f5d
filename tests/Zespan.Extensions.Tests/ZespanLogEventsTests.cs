using System.Reflection;
using Zespan.Testing;

namespace Zespan.Extensions.Tests;

/// <summary>Every log event id of Zespan.Extensions is unique and comes from <see cref="ZespanLogEvents"/>.</summary>
public sealed class ZespanLogEventsTests
{
    private static readonly Assembly Assembly = typeof(ZespanOptions).Assembly;

    [Fact]
    public void LoggerMessages_AcrossTheAssembly_HaveUniqueEventIds() =>
        AssertNone(LogEventIdAudit.DuplicateEventIds(Assembly));

    [Fact]
    public void LoggerMessages_EveryEventId_IsAConstantOfTheRegistry() =>
        AssertNone(LogEventIdAudit.EventIdsMissingFromRegistry(Assembly, typeof(ZespanLogEvents)));

    [Fact]
    public void LoggerMessages_EveryEventName_IsTheNameOfItsRegistryConstant() =>
        AssertNone(LogEventIdAudit.EventNamesNotFromRegistry(Assembly, typeof(ZespanLogEvents)));

    [Fact]
    public void Registry_Constants_HaveDistinctValues() =>
        AssertNone(LogEventIdAudit.SharedConstantValues(typeof(ZespanLogEvents)));

    [Fact]
    public void Registry_EveryConstant_IsUsedByALoggerMessage() =>
        AssertNone(LogEventIdAudit.UnusedConstants(Assembly, typeof(ZespanLogEvents)));

    [Fact]
    public void LoggerMessages_Found_CoverEveryFeatureThatLogs()
    {
        // Guards the audit itself: were reflection to miss private or extension methods, the tests above
        // would pass vacuously.
        var messages = LogEventIdAudit.LoggerMessages(Assembly);

        Assert.Equal(LogEventIdAudit.Constants(typeof(ZespanLogEvents)).Count, messages.Count);
        Assert.Contains(messages, m => m.EventId == ZespanLogEvents.OptionsReloadRejected && m.Method.EndsWith(".LogReloadRejected", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.EventId == ZespanLogEvents.PromptRefreshFailed && m.Method.EndsWith("PromptsLog.RefreshFailed", StringComparison.Ordinal));
    }

    private static void AssertNone(IReadOnlyList<string> problems) =>
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
}
