namespace Zespan.Extensions.Events.Internal;

/// <summary>What the lifecycle's steps decided for an event.</summary>
internal enum LifecycleOutcome
{
    /// <summary>Every step ran; the event goes to the exporter.</summary>
    Export,

    /// <summary>An export filter left it out on purpose (counted as filtered, not as a loss).</summary>
    Filtered,

    /// <summary>A step failed (a processor threw, redaction failed closed); the event is lost and counted.</summary>
    Dropped,
}
