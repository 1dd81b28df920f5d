namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// What <see cref="BoundedEventQueue"/> tells after each event it admitted: the export worker, which starts on
/// first use and wakes its loop once a batch is waiting. Runs on the app's thread: must not block or throw.
/// </summary>
internal interface IEventQueueConsumer
{
    /// <summary>An event was admitted; <paramref name="queueLength"/> events wait now, this one included.</summary>
    void OnEnqueued(int queueLength);
}
