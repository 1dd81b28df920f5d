namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// The options the tracer reads on every span, copied from one <see cref="ZespanOptions"/> snapshot so the hot
/// path reads one volatile field instead of <c>IOptionsMonitor.CurrentValue</c> (a dictionary lookup).
/// Replaced whenever the options change (a reload, or a remote configuration rule).
/// </summary>
internal sealed class TracerSettings
{
    private TracerSettings(ZespanOptions options, bool recording, double sampleRate, string environment, bool storePrompts)
    {
        Recording = recording;
        SampleRate = sampleRate;
        Environment = environment;
        StorePrompts = storePrompts;
        ConfigVersion = options.RemoteConfigVersion;
    }

    /// <summary>Gets the remote configuration version in force (<c>config_version</c> of events started now).</summary>
    public long? ConfigVersion { get; }

    /// <summary>Gets a value indicating whether anything is recorded (<c>Enabled</c> and not <c>DisableTracing</c>).</summary>
    public bool Recording { get; }

    /// <summary>Gets the sample rate, clamped to [0, 1] (NaN counts as 0).</summary>
    public double SampleRate { get; }

    public string Environment { get; }

    public bool StorePrompts { get; }

    public static TracerSettings From(ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rate = options.SampleRate;
        rate = double.IsNaN(rate) ? 0 : Math.Clamp(rate, 0, 1);
        return new TracerSettings(
            options,
            options.Enabled && !options.DisableTracing,
            rate,
            string.IsNullOrEmpty(options.Environment) ? "production" : options.Environment,
            options.StorePrompts);
    }
}
