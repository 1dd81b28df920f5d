using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// A value compiled from the options in force (redaction keys, export filters, lifecycle settings), built once per
/// options snapshot and rebuilt when the options change: the monitor hands out a new instance on every change,
/// so comparing references tells a stale value from a current one without a subscription.
/// </summary>
/// <typeparam name="T">The compiled value.</typeparam>
internal sealed class PerOptions<T>(IOptionsMonitor<ZespanOptions> options, Func<ZespanOptions, T> compile)
    where T : class
{
    private volatile Entry? _entry;

    /// <summary>Gets the value compiled from the options in force.</summary>
    public T Value
    {
        get
        {
            var current = options.CurrentValue;
            var entry = _entry;
            if (entry is null || !ReferenceEquals(entry.Options, current))
            {
                entry = new Entry(current, compile(current));
                _entry = entry;
            }

            return entry.Value;
        }
    }

    private sealed record Entry(ZespanOptions Options, T Value);
}
