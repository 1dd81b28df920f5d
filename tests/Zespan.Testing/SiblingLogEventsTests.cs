using System.Reflection;
using Xunit;

namespace Zespan.Testing;

/// <summary>
/// The log-event audit every sibling package (Zespan.Extensions.AI, .AspNetCore, .OpenTelemetry) passes: each
/// <c>[LoggerMessage]</c> id is unique, is a constant of the package's (internal) registry class and never reuses an
/// id of Zespan.Extensions (they log in the same category). A package's test class derives from it.
/// </summary>
/// <param name="registry">The package's static class of event-id constants.</param>
public abstract class SiblingLogEventsTests(Type registry)
{
    private readonly Type _registry = registry;
    private readonly Assembly _assembly = registry.Assembly;

    [Fact]
    public void LoggerMessages_AcrossTheAssembly_HaveUniqueEventIds() =>
        AssertNone(LogEventIdAudit.DuplicateEventIds(_assembly));

    [Fact]
    public void LoggerMessages_EveryEventId_IsAConstantOfTheRegistry() =>
        AssertNone(LogEventIdAudit.EventIdsMissingFromRegistry(_assembly, _registry));

    [Fact]
    public void LoggerMessages_EveryEventName_IsTheNameOfItsRegistryConstant() =>
        AssertNone(LogEventIdAudit.EventNamesNotFromRegistry(_assembly, _registry));

    [Fact]
    public void Registry_Constants_HaveDistinctValues() =>
        AssertNone(LogEventIdAudit.SharedConstantValues(_registry));

    [Fact]
    public void Registry_EveryConstant_IsUsedByALoggerMessage() =>
        AssertNone(LogEventIdAudit.UnusedConstants(_assembly, _registry));

    [Fact]
    public void LoggerMessages_SharedZespanCategory_NeverReuseAnIdOfZespanExtensions()
    {
        var core = typeof(Zespan.Extensions.ZespanOptions).Assembly;
        var coreIds = LogEventIdAudit.LoggerMessages(core).Select(m => m.EventId).ToHashSet();

        var collisions = LogEventIdAudit.LoggerMessages(_assembly)
            .Where(m => coreIds.Contains(m.EventId))
            .Select(m => $"{m.Method} uses event id {m.EventId}, which Zespan.Extensions uses too")
            .ToArray();

        Assert.NotEmpty(coreIds);
        AssertNone(collisions);
    }

    [Fact]
    public void LoggerMessages_Found_MatchTheRegistry() =>
        Assert.Equal(
            LogEventIdAudit.Constants(_registry).Select(c => c.Value),
            LogEventIdAudit.LoggerMessages(_assembly).Select(m => m.EventId));

    private static void AssertNone(IReadOnlyList<string> problems) =>
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
}
