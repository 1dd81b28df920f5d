using System.Reflection;
using Zespan.Testing;

namespace Zespan.Extensions.OpenTelemetry.Tests;

/// <summary>Every log event id of Zespan.Extensions.OpenTelemetry is unique, comes from <see cref="ZespanOpenTelemetryLogEvents"/>, and never collides with Zespan.Extensions (same category).</summary>
public sealed class ZespanOpenTelemetryLogEventsTests
{
    private static readonly Assembly Assembly = typeof(ZespanOpenTelemetryLogEvents).Assembly;

    [Fact]
    public void LoggerMessages_AcrossTheAssembly_HaveUniqueEventIds() =>
        AssertNone(LogEventIdAudit.DuplicateEventIds(Assembly));

    [Fact]
    public void LoggerMessages_EveryEventId_IsAConstantOfTheRegistry() =>
        AssertNone(LogEventIdAudit.EventIdsMissingFromRegistry(Assembly, typeof(ZespanOpenTelemetryLogEvents)));

    [Fact]
    public void LoggerMessages_EveryEventName_IsTheNameOfItsRegistryConstant() =>
        AssertNone(LogEventIdAudit.EventNamesNotFromRegistry(Assembly, typeof(ZespanOpenTelemetryLogEvents)));

    [Fact]
    public void Registry_Constants_HaveDistinctValues() =>
        AssertNone(LogEventIdAudit.SharedConstantValues(typeof(ZespanOpenTelemetryLogEvents)));

    [Fact]
    public void Registry_EveryConstant_IsUsedByALoggerMessage() =>
        AssertNone(LogEventIdAudit.UnusedConstants(Assembly, typeof(ZespanOpenTelemetryLogEvents)));

    [Fact]
    public void LoggerMessages_SharedZespanCategory_NeverReuseAnIdOfZespanExtensions()
    {
        var core = typeof(ZespanOptions).Assembly;
        var coreIds = LogEventIdAudit.LoggerMessages(core).Select(m => m.EventId).ToHashSet();

        var collisions = LogEventIdAudit.LoggerMessages(Assembly)
            .Where(m => coreIds.Contains(m.EventId))
            .Select(m => $"{m.Method} uses event id {m.EventId}, which Zespan.Extensions uses too")
            .ToArray();

        Assert.NotEmpty(coreIds);
        AssertNone(collisions);
    }

    [Fact]
    public void LoggerMessages_Found_MatchTheRegistry() =>
        Assert.Equal(
            LogEventIdAudit.Constants(typeof(ZespanOpenTelemetryLogEvents)).Select(c => c.Value),
            LogEventIdAudit.LoggerMessages(Assembly).Select(m => m.EventId));

    private static void AssertNone(IReadOnlyList<string> problems) =>
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
}
