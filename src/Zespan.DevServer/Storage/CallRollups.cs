using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Zespan.DevServer.Storage;

/// <summary>
/// Hourly aggregates of LLM calls (<c>call_rollup</c>, migration 5): per hour, environment and latency bucket, the
/// sums the dashboard shows, once over every call (<c>all</c>) and once per model, provider, user and prompt version.
/// Ingest adds each new call to its five rows in the same transaction; retention rebuilds the hours it touched from
/// the events that remain. The dashboard reads whole hours from here and only the partial hours at a range's ends
/// from the events, so its cost follows the number of hours and groups, not the number of calls.
/// </summary>
internal static class CallRollups
{
    public const long HourUs = 3_600_000_000;

    public static readonly string[] Dimensions = ["all", "model", "provider", "user", "prompt"];

    private const string Upsert = """
        INSERT INTO call_rollup (dim, hour_us, environment, key, version, latency_bucket, calls, errors, prompt_tokens, completion_tokens,
            total_tokens, cached_tokens, reasoning_tokens, cost, priced_calls, latency_count, latency_sum, latency_min, latency_max)
        VALUES ($dim, $hour, $env, $key, $version, $bucket, 1, $error, $prompt, $completion, $total, $cached, $reasoning, $cost, $priced,
            $latencyCount, $latency, $latencyValue, $latencyValue)
        ON CONFLICT (dim, hour_us, environment, key, version, latency_bucket) DO UPDATE SET
            calls = calls + 1, errors = errors + excluded.errors, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            completion_tokens = completion_tokens + excluded.completion_tokens, total_tokens = total_tokens + excluded.total_tokens,
            cached_tokens = cached_tokens + excluded.cached_tokens, reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
            cost = cost + excluded.cost, priced_calls = priced_calls + excluded.priced_calls,
            latency_count = latency_count + excluded.latency_count, latency_sum = latency_sum + excluded.latency_sum,
            latency_min = MIN(COALESCE(latency_min, excluded.latency_min), COALESCE(excluded.latency_min, latency_min)),
            latency_max = MAX(COALESCE(latency_max, excluded.latency_max), COALESCE(excluded.latency_max, latency_max));
        """;

    /// <summary>SQL that rebuilds the rows of every dimension from the events whose start is in <c>[$from, $to)</c>.</summary>
    public static string RebuildSql(bool ranged)
    {
        var range = ranged ? " AND start_us >= $from AND start_us < $to" : string.Empty;
        var sql = new System.Text.StringBuilder();
        foreach (var (dim, key, version) in new[]
        {
            ("all", "''", "-1"), ("model", "COALESCE(model, '')", "-1"), ("provider", "COALESCE(provider, '')", "-1"),
            ("user", "COALESCE(customer_identifier, '')", "-1"), ("prompt", "COALESCE(prompt_name, '')", "CASE WHEN prompt_name IS NULL THEN -1 ELSE COALESCE(prompt_version, -1) END"),
        })
        {
            sql.Append(CultureInfo.InvariantCulture, $"""
                INSERT INTO call_rollup (dim, hour_us, environment, key, version, latency_bucket, calls, errors, prompt_tokens, completion_tokens,
                    total_tokens, cached_tokens, reasoning_tokens, cost, priced_calls, latency_count, latency_sum, latency_min, latency_max)
                SELECT '{dim}', (start_us / {HourUs}) * {HourUs}, COALESCE(environment, ''), {key}, {version}, COALESCE(latency_bucket, -1),
                    COUNT(*), SUM(has_error), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),
                    COALESCE(SUM(COALESCE(total_tokens, COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0))), 0),
                    COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost), 0), COUNT(cost),
                    COUNT(latency), COALESCE(SUM(latency), 0), MIN(latency), MAX(latency)
                FROM events WHERE log_type IN {TraceSummaries.LlmLogTypes}{range}
                GROUP BY 2, 3, 4, 5, 6;

                """);
        }

        return sql.ToString();
    }

    /// <summary>A prepared upsert for <see cref="Add"/>.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction)
    {
        var command = connection.Command(Upsert, transaction);
        foreach (var name in new[] { "$dim", "$hour", "$env", "$key", "$version", "$bucket", "$error", "$prompt", "$completion", "$total", "$cached", "$reasoning", "$cost", "$priced", "$latencyCount", "$latency", "$latencyValue" })
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    /// <summary>Adds one newly stored LLM call to its five rows.</summary>
    public static void Add(SqliteCommand command, EventRow e)
    {
        var d = e.Details;
        object[] shared =
        [
            string.Empty, (e.StartUs / HourUs) * HourUs, e.Environment ?? string.Empty, string.Empty, -1L, LatencyBuckets.Of(e.Latency) ?? -1L,
            e.HasError ? 1L : 0L, e.PromptTokens ?? 0, e.CompletionTokens ?? 0, e.TotalTokens ?? ((e.PromptTokens ?? 0) + (e.CompletionTokens ?? 0)),
            d.CachedTokens ?? 0, d.ReasoningTokens ?? 0, e.Cost ?? 0, e.Cost is null ? 0L : 1L, e.Latency is null ? 0L : 1L, e.Latency ?? 0, (object?)e.Latency ?? DBNull.Value,
        ];
        for (var i = 1; i < shared.Length; i++)
        {
            command.Parameters[i].Value = shared[i];
        }

        foreach (var dim in Dimensions)
        {
            var (key, version) = dim switch
            {
                "model" => (e.Model ?? string.Empty, -1L),
                "provider" => (e.Provider ?? string.Empty, -1L),
                "user" => (e.CustomerIdentifier ?? string.Empty, -1L),
                "prompt" => (d.PromptName ?? string.Empty, d.PromptName is null ? -1L : d.PromptVersion ?? -1L),
                _ => (string.Empty, -1L),
            };
            command.Parameters[0].Value = dim;
            command.Parameters[3].Value = key;
            command.Parameters[4].Value = version;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Rebuilds the hours <paramref name="hours"/> from the events left (after retention deleted some).</summary>
    public static void Rebuild(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<long> hours)
    {
        foreach (var hour in hours.Distinct())
        {
            using (var delete = connection.Command("DELETE FROM call_rollup WHERE hour_us = $hour", transaction).With("$hour", hour))
            {
                delete.ExecuteNonQuery();
            }

            using var insert = connection.Command(RebuildSql(ranged: true), transaction).With("$from", hour).With("$to", hour + HourUs);
            insert.ExecuteNonQuery();
        }
    }
}
