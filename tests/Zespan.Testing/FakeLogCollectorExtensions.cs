using Microsoft.Extensions.Logging.Testing;

namespace Zespan.Testing;

/// <summary>Shorthands over <see cref="FakeLogCollector"/> the tests use again and again.</summary>
public static class FakeLogCollectorExtensions
{
    /// <summary>Gets the records collected so far whose event id is <paramref name="eventId"/>, in order.</summary>
    public static IReadOnlyList<FakeLogRecord> WithEventId(this FakeLogCollector collector, int eventId)
    {
        ArgumentNullException.ThrowIfNull(collector);
        return [.. collector.GetSnapshot().Where(r => r.Id.Id == eventId)];
    }
}
