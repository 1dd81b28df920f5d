namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// What a producer saw of a call and has not turned into event fields yet: the bytes an HTTP handler captured,
/// the response an <c>IChatClient</c> returned. Producers only gather; the <see cref="EventLifecycle"/>'s parse
/// step calls <see cref="Fill"/> once (on the export worker, or on the completing thread when an activity waits
/// for the fields), then disposes the capture.
/// </summary>
internal interface IEventCapture : IDisposable
{
    /// <summary>Gets the bytes the capture holds (pooled buffers, copied bodies), for the queue's memory accounting.</summary>
    long HeldBytes { get; }

    /// <summary>Writes what was captured into the event's fields. Never throws for a malformed capture.</summary>
    /// <param name="item">The event the capture belongs to.</param>
    void Fill(ZespanEvent item);
}
