using Zespan.Testing;

namespace Zespan.Extensions.Aws.Tests;

/// <summary>Zespan.Extensions.Aws logs through Zespan.Extensions (its handler services); it has no log messages, so no event-id registry, of its own.</summary>
public sealed class LogEventIdsTests
{
    [Fact]
    public void LoggerMessages_OfTheAwsAssembly_NoneUntilItHasARegistry()
    {
        // Adding a [LoggerMessage] here? Add an internal static class of named const int ids for this
        // assembly (as ZespanLogEvents in Zespan.Extensions, in a range of its own), use it in the attribute,
        // replace this test with the registry checks of ZespanLogEventsTests, and list the ids in docs/telemetry.md.
        var messages = LogEventIdAudit.LoggerMessages(typeof(ZespanAwsHttpClientFactory).Assembly);

        Assert.Empty(messages);
    }
}
