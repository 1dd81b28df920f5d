namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// The values the background timers actually use for options that would break them when taken as given: a
/// bare <c>ServiceProvider</c> does not validate options, so a non-positive interval falls back to its
/// default and a very long one is capped at what a timer accepts.
/// </summary>
internal static class EffectiveOptions
{
    /// <summary>The default of <see cref="ZespanOptions.FlushInterval"/>.</summary>
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromSeconds(2);

    /// <summary>The default of <see cref="ZespanOptions.ShutdownTimeout"/>.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest delay a timer is given.</summary>
    public static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(30);

    /// <summary>Gets the flush (and configuration poll) interval in force.</summary>
    public static TimeSpan FlushInterval(ZespanOptions options) => Clamp(options.FlushInterval, DefaultFlushInterval);

    /// <summary>Gets the longest a drain or a <see cref="IZespanClient.FlushAsync"/> waits.</summary>
    public static TimeSpan ShutdownTimeout(ZespanOptions options) => Clamp(options.ShutdownTimeout, DefaultShutdownTimeout);

    private static TimeSpan Clamp(TimeSpan value, TimeSpan fallback)
    {
        if (value <= TimeSpan.Zero)
        {
            return fallback;
        }

        return value > MaxTimerDelay ? MaxTimerDelay : value;
    }
}
