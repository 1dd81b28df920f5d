using System.Reflection;
using Zespan.Testing;

namespace Zespan.DevServer.Tests;

/// <summary>Every log event id of the dev server is unique and comes from <see cref="DevServerLogEvents"/>.</summary>
public sealed class DevServerLogEventsTests
{
    private static readonly Assembly Assembly = typeof(DevServerLogEvents).Assembly;

    [Fact]
    public void LoggerMessages_AcrossTheAssembly_HaveUniqueEventIds() =>
        AssertNone(LogEventIdAudit.DuplicateEventIds(Assembly));

    [Fact]
    public void LoggerMessages_EveryEventId_IsAConstantOfTheRegistry() =>
        AssertNone(LogEventIdAudit.EventIdsMissingFromRegistry(Assembly, typeof(DevServerLogEvents)));

    [Fact]
    public void LoggerMessages_EveryEventName_IsTheNameOfItsRegistryConstant() =>
        AssertNone(LogEventIdAudit.EventNamesNotFromRegistry(Assembly, typeof(DevServerLogEvents)));

    [Fact]
    public void Registry_Constants_HaveDistinctValues() =>
        AssertNone(LogEventIdAudit.SharedConstantValues(typeof(DevServerLogEvents)));

    [Fact]
    public void Registry_EveryConstant_IsUsedByALoggerMessage() =>
        AssertNone(LogEventIdAudit.UnusedConstants(Assembly, typeof(DevServerLogEvents)));

    [Fact]
    public void LoggerMessages_Found_AreEveryOneOfTheRegistry() =>
        Assert.Equal(
            LogEventIdAudit.Constants(typeof(DevServerLogEvents)).Count,
            LogEventIdAudit.LoggerMessages(Assembly).Count);

    private static void AssertNone(IReadOnlyList<string> problems) =>
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
}
