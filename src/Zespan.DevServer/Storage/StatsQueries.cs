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

/// <summary>Sums over a set of LLM calls (generation, response and embedding events).</summary>
internal sealed class CallTotals
{
    private readonly List<double> _latencies = [];

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

    public double? LatencyAverage => _latencies.Count == 0 ? null : _latencies.Average();

    public void Add(SqliteDataReader reader, int first)
    {
        Calls++;
        Errors += reader.GetInt64(first);
        var prompt = reader.GetInt64OrNull(first + 1);
        var completion = reader.GetInt64OrNull(first + 2);
        PromptTokens += prompt ?? 0;
        CompletionTokens += completion ?? 0;
        TotalTokens += reader.GetInt64OrNull(first + 3) ?? ((prompt ?? 0) + (completion ?? 0));
        CachedTokens += reader.GetInt64OrNull(first + 4) ?? 0;
        ReasoningTokens += reader.GetInt64OrNull(first + 5) ?? 0;
        if (reader.GetDoubleOrNull(first + 6) is { } cost)
        {
            Cost += cost;
            PricedCalls++;
        }

        if (reader.GetDoubleOrNull(first + 7) is { } latency)
        {
            _latencies.Add(latency);
        }
    }

    /// <summary>Nearest-rank percentile of the calls' latencies, in seconds.</summary>
    private double? Percentile(double p)
    {
        if (_latencies.Count == 0)
        {
            return null;
        }

        _latencies.Sort();
        var rank = (int)Math.Ceiling(p * _latencies.Count) - 1;
        return _latencies[Math.Clamp(rank, 0, _latencies.Count - 1)];
    }
}

/// <summary>
/// The dashboard's queries over LLM calls in a time range. They read the covering partial index <c>ix_events_calls</c>
/// (start time and every summed column of LLM-call events), never the events' JSON, and aggregate in one pass.
/// </summary>
internal sealed class StatsQueries(Database database)
{
    private const string CallColumns = "has_error, prompt_tokens, completion_tokens, total_tokens, cached_tokens, reasoning_tokens, cost, latency";

    /// <summary>The first and last start time of the stored LLM calls (of <paramref name="environment"/>), or null when there is none.</summary>
    public (long From, long To)? Span(string? environment) => database.Read(connection =>
    {
        using var command = connection.Command($"SELECT MIN(start_us), MAX(start_us) FROM events WHERE log_type IN {TraceSummaries.LlmLogTypes}"
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

        using var command = Calls(connection, "start_us", fromUs, toUs, environment);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var index = (int)((reader.GetInt64(0) - fromUs) / bucketUs);
            if (index >= 0 && index < buckets.Length)
            {
                buckets[index].Add(reader, 1);
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
            var groups = new Dictionary<(string?, long?), CallTotals>();
            var all = new CallTotals();
            using var command = Calls(connection, key, fromUs, toUs, environment);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var group = (reader.GetStringOrNull(0), reader.GetInt64OrNull(1));
                if (!groups.TryGetValue(group, out var totals))
                {
                    groups[group] = totals = new CallTotals();
                }

                totals.Add(reader, 2);
                all.Add(reader, 2);
            }

            var rows = groups.Select(static g => (g.Key.Item1, g.Key.Item2, g.Value))
                .OrderByDescending(static r => r.Value.Cost).ThenByDescending(static r => r.Value.Calls).ThenBy(static r => r.Item1, StringComparer.Ordinal)
                .ToList();
            return ((IReadOnlyList<(string?, long?, CallTotals)>)rows, all);
        });

    private static SqliteCommand Calls(SqliteConnection connection, string leading, long fromUs, long toUs, string? environment)
    {
        var sql = new StringBuilder($"SELECT {leading}, {CallColumns} FROM events INDEXED BY ix_events_calls WHERE log_type IN {TraceSummaries.LlmLogTypes} AND start_us >= $from AND start_us < $to");
        if (environment is not null)
        {
            sql.Append(" AND environment = $env");
        }

        var command = connection.Command(sql.ToString()).With("$from", fromUs).With("$to", toUs);
        return environment is null ? command : command.With("$env", environment);
    }
}
