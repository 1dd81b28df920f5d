using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>Sums over LLM calls: counts, tokens (input, output, and where known cached and reasoning), cost of the priced calls, latency percentiles.</summary>
internal record CallStats
{
    public long Calls { get; init; }

    public long Errors { get; init; }

    /// <summary>Gets <see cref="Errors"/> / <see cref="Calls"/>; null without calls.</summary>
    public double? ErrorRate { get; init; }

    public long PromptTokens { get; init; }

    public long CompletionTokens { get; init; }

    public long TotalTokens { get; init; }

    public long CachedTokens { get; init; }

    public long ReasoningTokens { get; init; }

    /// <summary>Gets the cost of the priced calls in USD; null when no call had a cost (never a made-up $0).</summary>
    public double? Cost { get; init; }

    public long PricedCalls { get; init; }

    /// <summary>Gets the calls without a cost (no price known): counted apart, never as $0.</summary>
    public long UnpricedCalls { get; init; }

    public double? LatencyP50 { get; init; }

    public double? LatencyP95 { get; init; }

    public double? LatencyAvg { get; init; }

    public static T From<T>(CallTotals totals, T seed)
        where T : CallStats => seed with
        {
            Calls = totals.Calls,
            Errors = totals.Errors,
            ErrorRate = totals.Calls == 0 ? null : (double)totals.Errors / totals.Calls,
            PromptTokens = totals.PromptTokens,
            CompletionTokens = totals.CompletionTokens,
            TotalTokens = totals.TotalTokens,
            CachedTokens = totals.CachedTokens,
            ReasoningTokens = totals.ReasoningTokens,
            Cost = totals.PricedCalls == 0 ? null : totals.Cost,
            PricedCalls = totals.PricedCalls,
            UnpricedCalls = totals.UnpricedCalls,
            LatencyP50 = totals.LatencyP50,
            LatencyP95 = totals.LatencyP95,
            LatencyAvg = totals.LatencyAverage,
        };
}

/// <summary>One bucket of <c>GET /api/stats/timeseries</c>, starting at <see cref="Start"/>.</summary>
internal sealed record TimeseriesBucket : CallStats
{
    public required string Start { get; init; }
}

/// <summary><c>GET /api/stats/timeseries</c>: the range, the bucket width and one bucket per interval (empty ones included).</summary>
internal sealed record TimeseriesResponse(string? From, string? To, string Interval, long IntervalSeconds, string? Environment, IReadOnlyList<TimeseriesBucket> Buckets);

/// <summary>One row of <c>GET /api/stats/breakdown</c>: a model, provider, user or prompt version (<c>key</c> null for calls without one).</summary>
internal sealed record BreakdownRow : CallStats
{
    public string? Key { get; init; }

    public string? PromptName { get; init; }

    public long? PromptVersion { get; init; }
}

/// <summary><c>GET /api/stats/breakdown</c>: rows by cost, largest first, and the totals of every call in the range.</summary>
internal sealed record BreakdownResponse(string? From, string? To, string By, string? Environment, IReadOnlyList<BreakdownRow> Rows, CallStats Totals);
