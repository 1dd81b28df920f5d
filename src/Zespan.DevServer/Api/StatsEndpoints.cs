using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Hosting;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>
/// The dashboard's read endpoints over LLM calls (generation, response, embedding): <c>GET /api/stats/timeseries</c>
/// and <c>GET /api/stats/breakdown</c>, with <c>from</c>, <c>to</c> (RFC 3339; default: the first and last stored call),
/// <c>environment</c>, <c>interval</c> and <c>by</c>.
/// </summary>
internal static class StatsEndpoints
{
    /// <summary>The most buckets one timeseries answer holds.</summary>
    public const int MaxBuckets = 1000;

    private static readonly long[] AutoIntervals = [60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400, 30 * 86_400];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/stats/timeseries", Timeseries);
        api.MapGet("/stats/breakdown", Breakdown);
    }

    /// <summary>Calls, errors, tokens, cost (priced calls; unpriced counted apart) and latency p50/p95 per interval.</summary>
    public static Ok<TimeseriesResponse> Timeseries(
        [FromQuery] QueryTime? from, [FromQuery] QueryTime? to, [FromQuery] string? environment, [FromQuery] string? interval, StatsQueries stats)
    {
        var env = ZespanApi.Optional(environment);
        long? step = null;
        if (ZespanApi.Optional(interval) is { } text)
        {
            step = CommandLine.TryParseAge(text, out var age) && age >= TimeSpan.FromSeconds(1)
                ? (long)age.TotalSeconds
                : throw ApiException.BadRequest("interval must be a duration of at least 1 second: 1m, 5m, 1h, 1d");
        }

        if (Range(from, to, env, stats) is not { } range)
        {
            return TypedResults.Ok(new TimeseriesResponse(null, null, Label(step ?? 3600), step ?? 3600, env, []));
        }

        var (fromUs, toUs) = range;
        var seconds = step ?? AutoIntervals.FirstOrDefault(i => (toUs - fromUs) / (i * 1_000_000) < 60, AutoIntervals[^1]);
        var bucketUs = seconds * 1_000_000;
        var start = from is null ? fromUs - (fromUs % bucketUs) : fromUs; // an open range starts on a round boundary
        if ((toUs - start) / bucketUs >= MaxBuckets)
        {
            throw ApiException.BadRequest(FormattableString.Invariant($"the range holds more than {MaxBuckets} intervals of {Label(seconds)}: choose a longer interval"));
        }

        var buckets = stats.Timeseries(start, toUs, bucketUs, env);
        var list = new List<TimeseriesBucket>(buckets.Length);
        for (var i = 0; i < buckets.Length; i++)
        {
            list.Add(CallStats.From(buckets[i], new TimeseriesBucket { Start = Rfc3339.FromMicroseconds(start + (i * bucketUs)) }));
        }

        return TypedResults.Ok(new TimeseriesResponse(Rfc3339.FromMicroseconds(start), Rfc3339.FromMicroseconds(toUs), Label(seconds), seconds, env, list));
    }

    /// <summary>The same sums per model, provider, user or prompt version, with the totals over every call.</summary>
    public static Ok<BreakdownResponse> Breakdown(
        [FromQuery] QueryTime? from, [FromQuery] QueryTime? to, [FromQuery] string? environment, [FromQuery] string? by, StatsQueries stats)
    {
        var env = ZespanApi.Optional(environment);
        var key = ZespanApi.Optional(by) switch
        {
            null or "model" => BreakdownKey.Model,
            "provider" => BreakdownKey.Provider,
            "user" => BreakdownKey.User,
            "prompt" => BreakdownKey.Prompt,
            _ => throw ApiException.BadRequest("by must be model, provider, user or prompt"),
        };
        var name = key.ToString().ToLowerInvariant();
        if (Range(from, to, env, stats) is not { } range)
        {
            return TypedResults.Ok(new BreakdownResponse(null, null, name, env, [], new CallStats()));
        }

        var (fromUs, toUs) = range;
        var (rows, all) = stats.Breakdown(fromUs, toUs, key, env);
        var list = rows.Select(r => CallStats.From(r.Totals, key == BreakdownKey.Prompt
            ? new BreakdownRow { Key = r.Key is null ? null : EventStore.PromptFacet(r.Key, r.Version), PromptName = r.Key, PromptVersion = r.Version }
            : new BreakdownRow { Key = r.Key })).ToList();
        return TypedResults.Ok(new BreakdownResponse(Rfc3339.FromMicroseconds(fromUs), Rfc3339.FromMicroseconds(toUs), name, env, list, CallStats.From(all, new CallStats())));
    }

    /// <summary>The range asked for, the missing ends taken from the stored calls; null when nothing is stored and no range was given.</summary>
    private static (long From, long To)? Range(QueryTime? from, QueryTime? to, string? environment, StatsQueries stats)
    {
        if (from is { } f && to is { } t)
        {
            return t.Microseconds > f.Microseconds ? (f.Microseconds, t.Microseconds) : throw ApiException.BadRequest("to must be after from");
        }

        if (stats.Span(environment) is not { } stored)
        {
            return null;
        }

        var (first, last) = stored;
        var start = from?.Microseconds ?? first;
        var end = to?.Microseconds ?? last + 1;
        return end > start ? (start, end) : throw ApiException.BadRequest("to must be after from");
    }

    private static string Label(long seconds) => seconds switch
    {
        _ when seconds % 86_400 == 0 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86_400}d"),
        _ when seconds % 3600 == 0 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600}h"),
        _ when seconds % 60 == 0 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds}s"),
    };
}
