using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace Zespan.Extensions.Tests.Properties;

/// <summary>
/// Runs a CsCheck property deterministically and within a time budget: iteration <c>i</c> uses the CsCheck seed of
/// <c>new PCG(i, baseSeed)</c>, so a run is repeatable; the loop stops after its iterations or its budget, whichever
/// comes first (a slow machine runs fewer, never different, cases). A failure names the CsCheck seed.
/// </summary>
/// <remarks>
/// <para>Environment variables: <c>ZESPAN_PROPERTY_SEED</c> (an unsigned integer) changes the base seed, so more of
/// the space is explored; <c>ZESPAN_PROPERTY_REPLAY</c> (a seed printed by a failure) runs that one case only.</para>
/// <para>The budgets add up to well under a minute for the whole Properties folder on a two-core machine.</para>
/// </remarks>
internal static class PropertyRunner
{
    /// <summary>The base seed when <c>ZESPAN_PROPERTY_SEED</c> is not set.</summary>
    public const ulong DefaultSeed = 20261203;

    public static ulong BaseSeed { get; } =
        ulong.TryParse(Environment.GetEnvironmentVariable("ZESPAN_PROPERTY_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : DefaultSeed;

    /// <summary>Checks <paramref name="property"/> on up to <paramref name="iterations"/> generated values, for at most <paramref name="budget"/>.</summary>
    /// <returns>The number of cases run.</returns>
    public static int Check<T>(Gen<T> gen, Action<T> property, int iterations, TimeSpan budget, Func<T, string>? print = null)
    {
        var replay = Environment.GetEnvironmentVariable("ZESPAN_PROPERTY_REPLAY");
        if (!string.IsNullOrWhiteSpace(replay))
        {
            gen.Sample(property, seed: replay.Trim(), iter: 1, threads: 1, print: print);
            return 1;
        }

        var clock = Stopwatch.StartNew();
        var run = 0;
        for (uint i = 0; i < iterations && (run == 0 || clock.Elapsed < budget); i++)
        {
            var seed = new PCG(i, BaseSeed).ToString();
            try
            {
                gen.Sample(property, seed: seed, iter: 1, threads: 1, print: print);
            }
            catch (CsCheckException ex)
            {
                // CsCheck's message carries the seed; add how to replay it through this runner.
                throw new CsCheckException(
                    $"Property failed at iteration {i} (base seed {BaseSeed}). Replay with ZESPAN_PROPERTY_REPLAY={seed}. {ex.Message}",
                    ex.InnerException ?? ex);
            }

            run++;
        }

        return run;
    }
}
