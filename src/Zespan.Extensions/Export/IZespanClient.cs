namespace Zespan.Extensions;

/// <summary>Controls delivery of Zespan's events and configuration.</summary>
public interface IZespanClient
{
    /// <summary>
    /// Sends every event queued before the call. Safe to call from many threads at once.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait sooner than <see cref="ZespanOptions.ShutdownTimeout"/>.</param>
    /// <returns>
    /// <see langword="true"/> when every event queued before the call was accepted (202) or permanently rejected
    /// (400, a lone event over the size limit); <see langword="false"/> when time ran out
    /// (<see cref="ZespanOptions.ShutdownTimeout"/> unless the token ends it sooner) or delivery failed.
    /// </returns>
    Task<bool> FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Fetches the remote configuration now. A backend failure keeps the last good configuration and is logged, never thrown.</summary>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>A task that completes when the fetch has finished.</returns>
    Task RefreshConfigAsync(CancellationToken cancellationToken = default);
}
