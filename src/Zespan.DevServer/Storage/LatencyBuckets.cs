namespace Zespan.DevServer.Storage;

/// <summary>
/// Log-scaled latency buckets, eight per doubling (each about 9% wide), stored with every LLM call so the dashboard's
/// percentiles come from a histogram counted in SQL instead of every latency read into memory. A percentile is the
/// geometric middle of its bucket (within about 4.5% of the true value), clamped to the group's real minimum and maximum.
/// </summary>
internal static class LatencyBuckets
{
    public const int PerOctave = 8;

    /// <summary>The bucket of a latency in seconds (0 for a microsecond or less), or null without one.</summary>
    public static long? Of(double? seconds)
    {
        if (seconds is not { } s || double.IsNaN(s))
        {
            return null;
        }

        var ms = s * 1000;
        return ms <= 0.001 ? 0 : (long)Math.Max(0, Math.Floor((Math.Log2(ms) + 10) * PerOctave));
    }

    /// <summary>The latency, in seconds, a bucket stands for: its geometric middle.</summary>
    public static double Middle(long bucket) => Math.Pow(2, ((bucket + 0.5) / PerOctave) - 10) / 1000;
}
