using System.Diagnostics;

namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// The once-per-trace sampling decision. It depends only on the trace id and the rate, so every span of a
/// trace (and every process or SDK that shares the trace id and the rate) decides the same way: a trace is
/// recorded whole or not at all.
/// </summary>
/// <remarks>
/// The 16 bytes of the trace id are read as two big-endian 64-bit integers <c>hi</c> and <c>lo</c>;
/// <c>h = mix(hi ^ mix(lo))</c> where <c>mix</c> is the SplitMix64 finalizer; the trace is kept when
/// <c>(h &gt;&gt; 11) / 2^53 &lt; rate</c>. Hashing all 16 bytes keeps the decision uniform even for ids
/// whose first bytes are not random (some tracers put a timestamp there).
/// </remarks>
internal static class TraceSampler
{
    private const double UnitScale = 1.0 / (1UL << 53);

    public static bool IsSampled(ActivityTraceId traceId, double rate) => IsSampled(RawIds.From(traceId), rate);

    public static bool IsSampled(RawTraceId traceId, double rate)
    {
        if (rate >= 1)
        {
            return true;
        }

        if (!(rate > 0))
        {
            return false;
        }

        return Fraction(traceId) < rate;
    }

    /// <summary>Gets the trace's position in [0, 1): kept when it is below the rate.</summary>
    public static double Fraction(RawTraceId traceId)
    {
        var h = Mix(traceId.High ^ Mix(traceId.Low));
        return (h >> 11) * UnitScale;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
