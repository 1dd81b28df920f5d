using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Zespan.DevServer.Storage;

/// <summary>What the dashboard groups LLM calls by.</summary>
internal enum BreakdownKey
{
    Model,
    Provider,
    User,
    Prompt,
}

/// <summary>Sums over a set of LLM calls (generation, response and embedding events), and their latency histogram.</summary>
internal sealed class CallTotals
{
    private readonly SortedDictionary<long, long> _histogram = [];
    private double _latencySum;
    private long _latencyCount;
    private double _latencyMin = double.MaxValue;
    private double _latencyMax = double.MinValue;

    public long Calls { get; private set; }

    public long Errors { get; private set; }

    public long PromptTokens { get; private set; }

    public long CompletionTokens { get; private set; }

    public long TotalTokens { get; private set; }

    /// <summary>Gets the cached input tokens, where the provider reported them.</summary>
    public long CachedTokens { get; private set; }

    /// <summary>Gets the reasoning output tokens, where the provider reported them.</summary>
    public long ReasoningTokens { get; private set; }

    /// <summary>Gets the cost of the priced calls only.</summary>
    public double Cost { get; private set; }

    public long PricedCalls { get; private set; }

    /// <summary>Gets the calls with no cost: counted apart, never as $0.</summary>
    public long UnpricedCalls => Calls - PricedCalls;

    public double? LatencyP50 => Percentile(0.50);

    public double? LatencyP95 => Percentile(0.95);

    public double? LatencyAverage => _latencyCount == 0 ? null : _latencySum / _latencyCount;

    /// <summary>Adds one row of <see cref="StatsQueries"/>' sums, starting at column <paramref name="first"/>.</summary>
    private void AddSums(SqliteDataReader reader, int first)
    {
        Calls += reader.GetInt64(first);
        Errors += reader.GetInt64OrNull(first + 1) ?? 0;
        PromptTokens += reader.GetInt64OrNull(first + 2) ?? 0;
        CompletionTokens += reader.GetInt64OrNull(first + 3) ?? 0;
        TotalTokens += reader.GetInt64OrNull(first + 4) ?? 0;
        CachedTokens += reader.GetInt64OrNull(first + 5) ?? 0;
        ReasoningTokens += reader.GetInt64OrNull(first + 6) ?? 0;
        Cost += reader.GetDoubleOrNull(first + 7) ?? 0;
        PricedCalls += reader.GetInt64(first + 8);
        var latencies = reader.GetInt64(first + 9);
        if (latencies > 0)
        {
            _latencySum += reader.GetDoubleOrNull(first + 10) ?? 0;
            _latencyCount += latencies;
            _latencyMin = Math.Min(_latencyMin, reader.GetDouble(first + 11));
            _latencyMax = Math.Max(_latencyMax, reader.GetDouble(first + 12));
        }
    }

    /// <summary>
    /// Adds one <c>call_rollup</c> row from column <paramref name="first"/>: latency_bucket, calls, errors, prompt, completion,
    /// total, cached and reasoning tokens, cost, priced_calls, latency_count, latency_sum, latency_min, latency_max.
    /// </summary>
    public void AddRollup(SqliteDataReader reader, int first)
    {
        Calls += reader.GetInt64(first + 1);
        Errors += reader.GetInt64(first + 2);
        PromptTokens += reader.GetInt64(first + 3);
        CompletionTokens += reader.GetInt64(first + 4);
        TotalTokens += reader.GetInt64(first + 5);
        CachedTokens += reader.GetInt64(first + 6);
        ReasoningTokens += reader.GetInt64(first + 7);
        Cost += reader.GetDouble(first + 8);
        PricedCalls += reader.GetInt64(first + 9);
        var latencies = reader.GetInt64(first + 10);
        if (latencies > 0)
        {
            _latencySum += reader.GetDouble(first + 11);
            _latencyCount += latencies;
            _latencyMin = Math.Min(_latencyMin, reader.GetDouble(first + 12));
            _latencyMax = Math.Max(_latencyMax, reader.GetDouble(first + 13));
            var bucket = reader.GetInt64(first);
            if (bucket >= 0)
            {
                _histogram[bucket] = _histogram.GetValueOrDefault(bucket) + latencies;
            }
        }
    }

    /// <summary>Adds one row of sums for one latency bucket: the bucket at <paramref name="first"/>, the sums after it.</summary>
    public void Add(SqliteDataReader reader, int first)
    {
        AddSums(reader, first + 1);
        if (reader.GetInt64OrNull(first) is { } bucket)
        {
            _histogram[bucket] = _histogram.GetValueOrDefault(bucket) + reader.GetInt64(first + 10);
        }
    }

    /// <summary>The nearest-rank percentile from the histogram: its bucket's middle, clamped to the real minimum and maximum.</summary>
    private double? Percentile(double p)
    {
        var count = _histogram.Values.Sum();
        if (count == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(p * count);
        var seen = 0L;
        foreach (var (bucket, n) in _histogram)
        {
            seen += n;
            if (seen >= rank)
            {
                return Math.Clamp(LatencyBuckets.Middle(bucket), _latencyMin, _latencyMax);
            }
        }

        return _latencyMax;
    }
}

/// <summary>
/// The dashboard's queries over LLM calls in a time range. Whole hours come from the hourly rollups
/// (<see cref="CallRollups"/>); the partial hours at the ends (and sub-hour buckets) from the covering partial index
/// <c>ix_events_calls</c> (start time and every summed column of LLM-call events, with the latency's histogram
/// bucket), never the events' JSON, summed by SQLite in one pass: one row per group and latency bucket.
/// </summary>
internal sealed class StatsQueries(Database database)
{
    private const string Sums = """
        COUNT(*), SUM(has_error), SUM(prompt_tokens), SUM(completion_tokens),
        SUM(COALESCE(total_tokens, COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0))), SUM(cached_tokens), SUM(reasoning_tokens),
        SUM(cost), COUNT(cost), COUNT(latency), SUM(latency), MIN(latency), MAX(latency)
        """;

    /// <summary>The first and last start time of the stored LLM calls (of <paramref name="environment"/>), or null when there is none.</summary>
    public (long From, long To)? Span(string? environment) => database.Read(connection =>
    {
        using var command = connection.Command($"SELECT MIN(start_us), MAX(start_us) FROM events INDEXED BY ix_events_calls WHERE log_type IN {TraceSummaries.LlmLogTypes}"
            + (environment is null ? string.Empty : " AND environment = $env"));
        if (environment is not null)
        {
            command.With("$env", environment);
        }

        using var reader = command.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? ((long, long)?)(reader.GetInt64(0), reader.GetInt64(1)) : null;
    });

    /// <summary>One <see cref="CallTotals"/> per bucket of <paramref name="bucketUs"/> microseconds from <paramref name="fromUs"/> (empty buckets included).</summary>
    public CallTotals[] Timeseries(long fromUs, long toUs, long bucketUs, string? environment) => database.Read(connection =>
    {
        var buckets = new CallTotals[(int)Math.Max(1, (toUs - fromUs + bucketUs - 1) / bucketUs)];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = new CallTotals();
        }

        // whole hours from the rollups when the buckets are whole hours; the rest (or everything) from the calls
        var rawFrom = fromUs;
        if (bucketUs % CallRollups.HourUs == 0 && fromUs % CallRollups.HourUs == 0)
        {
            rawFrom = Math.Max(fromUs, toUs - (toUs % CallRollups.HourUs));
            using var rolled = RollupCommand(connection, "all", "hour_us, ", fromUs, rawFrom, environment);
            using var reader = rolled.ExecuteReader();
            while (reader.Read())
            {
                var index = (reader.GetInt64(0) - fromUs) / bucketUs;
                if (index >= 0 && index < buckets.Length)
                {
                    buckets[index].AddRollup(reader, 1);
                }
            }
        }

        if (rawFrom < toUs)
        {
            var group = "(start_us - $origin) / $width";
            using var command = Command(connection, $"SELECT {group}, latency_bucket, {Sums}", group + ", latency_bucket", rawFrom, toUs, environment)
                .With("$width", bucketUs).With("$origin", fromUs);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetInt64(0) is var index && index >= 0 && index < buckets.Length)
                {
                    buckets[index].Add(reader, 1);
                }
            }
        }

        return buckets;
    });

    /// <summary>Totals per model, provider, user or prompt version (name and version), largest cost first, and the totals of every call.</summary>
    public (IReadOnlyList<(string? Key, long? Version, CallTotals Totals)> Rows, CallTotals All) Breakdown(long fromUs, long toUs, BreakdownKey by, string? environment) =>
        database.Read(connection =>
        {
            var key = by switch
            {
                BreakdownKey.Model => "model, NULL",
                BreakdownKey.Provider => "provider, NULL",
                BreakdownKey.User => "customer_identifier, NULL",
                _ => "prompt_name, prompt_version",
            };
            var groupBy = by == BreakdownKey.Prompt ? "prompt_name, prompt_version" : key.Split(',')[0];
            var groups = new Dictionary<(string?, long?), CallTotals>();
            CallTotals Group(SqliteDataReader reader)
            {
                var id = (reader.GetStringOrNull(0), reader.GetInt64OrNull(1));
                if (!groups.TryGetValue(id, out var totals))
                {
                    groups[id] = totals = new CallTotals();
                }

                return totals;
            }

            var all = new CallTotals();
            var firstHour = fromUs % CallRollups.HourUs == 0 ? fromUs : fromUs - (fromUs % CallRollups.HourUs) + CallRollups.HourUs;
            var lastHour = toUs - (toUs % CallRollups.HourUs);
            var ranges = new List<(long From, long To)>();
            if (firstHour < lastHour)
            {
                var dim = by.ToString().ToLowerInvariant();
                using (var rolled = RollupCommand(connection, dim, "key, version, ", firstHour, lastHour, environment))
                {
                    using var reader = rolled.ExecuteReader();
                    while (reader.Read())
                    {
                        var id = (reader.GetString(0) is { Length: > 0 } k ? k : null, reader.GetInt64(1) is var v && v >= 0 ? v : (long?)null);
                        if (!groups.TryGetValue(id, out var totals))
                        {
                            groups[id] = totals = new CallTotals();
                        }

                        totals.AddRollup(reader, 2);
                        all.AddRollup(reader, 2);
                    }
                }

                ranges.Add((fromUs, firstHour));
                ranges.Add((lastHour, toUs));
            }
            else
            {
                ranges.Add((fromUs, toUs));
            }

            foreach (var (start, end) in ranges)
            {
                if (start >= end)
                {
                    continue;
                }

                using var command = Command(connection, $"SELECT {key}, latency_bucket, {Sums}", groupBy + ", latency_bucket", start, end, environment);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    Group(reader).Add(reader, 2);
                    all.Add(reader, 2);
                }
            }

            var rows = groups.Select(static g => (g.Key.Item1, g.Key.Item2, g.Value))
                .OrderByDescending(static r => r.Value.Cost).ThenByDescending(static r => r.Value.Calls).ThenBy(static r => r.Item1, StringComparer.Ordinal)
                .ToList();
            return ((IReadOnlyList<(string?, long?, CallTotals)>)rows, all);
        });

    /// <summary>The <c>call_rollup</c> rows of one dimension for the whole hours in <c>[fromUs, toUs)</c>: <paramref name="leading"/> columns, then the sums.</summary>
    private static SqliteCommand RollupCommand(SqliteConnection connection, string dim, string leading, long fromUs, long toUs, string? environment)
    {
        var sql = $"""
            SELECT {leading}latency_bucket, calls, errors, prompt_tokens, completion_tokens, total_tokens, cached_tokens, reasoning_tokens,
                   cost, priced_calls, latency_count, latency_sum, latency_min, latency_max
            FROM call_rollup WHERE dim = $dim AND hour_us >= $from AND hour_us < $to
            """ + (environment is null ? string.Empty : " AND environment = $env");
        var command = connection.Command(sql).With("$dim", dim).With("$from", fromUs).With("$to", toUs);
        return environment is null ? command : command.With("$env", environment);
    }

    private static SqliteCommand Command(SqliteConnection connection, string select, string groupBy, long fromUs, long toUs, string? environment, string extra = "")
    {
        var sql = new StringBuilder(select)
            .Append(CultureInfo.InvariantCulture, $" FROM events INDEXED BY ix_events_calls WHERE log_type IN {TraceSummaries.LlmLogTypes} AND start_us >= $from AND start_us < $to")
            .Append(extra);
        if (environment is not null)
        {
            sql.Append(" AND environment = $env");
        }

        sql.Append(" GROUP BY ").Append(groupBy);
        var command = connection.Command(sql.ToString()).With("$from", fromUs).With("$to", toUs);
        return environment is null ? command : command.With("$env", environment);
    }
}
