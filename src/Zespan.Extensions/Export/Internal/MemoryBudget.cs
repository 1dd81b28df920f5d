using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The bytes waiting events may hold (<c>MaxQueueBytes</c>): queued events, each with its raw captured bodies, and
/// batches kept in memory to be sent again. Only <see cref="TryReserve"/> raises the count, and never above the
/// limit, so what is held never exceeds it. Lock-free (a compare-and-swap per reservation); any thread. A reload of
/// the limit applies to the next reservation.
/// </summary>
internal sealed class MemoryBudget : IDisposable
{
    private const long MinimumBytes = 65_536;

    private readonly ExportStatistics _stats;
    private readonly IDisposable? _optionsSubscription;
    private long _limit;

    public MemoryBudget(IOptionsMonitor<ZespanOptions> options, ExportStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        _stats = statistics;
        Apply(options.CurrentValue);
        _optionsSubscription = options.OnChange((o, name) =>
        {
            if (name is null || name == Options.DefaultName)
            {
                Apply(o);
            }
        });
    }

    /// <summary>Gets the limit in force.</summary>
    public long Limit => Volatile.Read(ref _limit);

    /// <summary>Gets the bytes held now.</summary>
    public long Held => Interlocked.Read(ref _stats.HeldBytesCounter);

    /// <summary>Gets a value indicating whether at least half the budget is held (the worker then moves what waits to disk when it may).</summary>
    public bool IsUnderPressure => Held * 2 >= Limit;

    /// <summary>Reserves <paramref name="bytes"/> when they fit within the limit.</summary>
    public bool TryReserve(long bytes)
    {
        if (bytes <= 0)
        {
            return true;
        }

        var limit = Volatile.Read(ref _limit);
        while (true)
        {
            var held = Interlocked.Read(ref _stats.HeldBytesCounter);
            var next = held + bytes;
            if (next > limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _stats.HeldBytesCounter, next, held) == held)
            {
                RaisePeak(next);
                return true;
            }
        }
    }

    /// <summary>Gives <paramref name="bytes"/> back.</summary>
    public void Release(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _stats.HeldBytesCounter, -bytes);
        }
    }

    public void Dispose() => _optionsSubscription?.Dispose();

    private void RaisePeak(long value)
    {
        var peak = Interlocked.Read(ref _stats.PeakHeldBytesCounter);
        while (value > peak)
        {
            var seen = Interlocked.CompareExchange(ref _stats.PeakHeldBytesCounter, value, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }

    private void Apply(ZespanOptions options) => Volatile.Write(ref _limit, Math.Max(MinimumBytes, options.MaxQueueBytes));
}
