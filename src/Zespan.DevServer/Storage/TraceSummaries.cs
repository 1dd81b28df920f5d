using Microsoft.Data.Sqlite;

namespace Zespan.DevServer.Storage;

/// <summary>
/// Keeps the <c>traces</c> table (one summary row per trace) and <c>trace_facets</c> (which users, models, ... a trace
/// has) in step with <c>events</c>, inside the ingest transaction: each batch recomputes the summaries of the traces it
/// touched from their own spans, so listing reads one row per trace whatever the size of the events table.
/// </summary>
internal static class TraceSummaries
{
    /// <summary>The log types whose tokens, cost and model count toward a trace's totals (LLM calls).</summary>
    public const string LlmLogTypes = "('generation', 'response', 'embedding')";

    /// <summary>A span of alias <c>e</c> is a root: no parent, or a parent that was never stored.</summary>
    public const string IsRoot = "(e.parent_span_id IS NULL OR NOT EXISTS (SELECT 1 FROM events p WHERE p.trace_id = e.trace_id AND p.span_id = e.parent_span_id))";

    private const string Refresh = $"""
        INSERT INTO traces (trace_id, start_us, end_us, span_count, tokens, cost, has_error, user, environment, root_name, root_log_type, models,
                            session, llm_calls, unpriced_calls)
        SELECT $trace, MIN(start_us), MAX(end_us), COUNT(*),
               SUM(CASE WHEN log_type IN {LlmLogTypes} THEN COALESCE(total_tokens, prompt_tokens + completion_tokens) END),
               SUM(CASE WHEN log_type IN {LlmLogTypes} THEN cost END),
               MAX(has_error), MIN(customer_identifier), MIN(environment),
               (SELECT e.name FROM events e WHERE e.trace_id = $trace AND {IsRoot} ORDER BY e.start_us, e.id LIMIT 1),
               (SELECT e.log_type FROM events e WHERE e.trace_id = $trace AND {IsRoot} ORDER BY e.start_us, e.id LIMIT 1),
               COALESCE((SELECT json_group_array(model) FROM (
                   SELECT model FROM events WHERE trace_id = $trace AND model IS NOT NULL GROUP BY model ORDER BY MIN(start_us), MIN(id))), '[]'),
               MIN(thread_identifier),
               COUNT(CASE WHEN log_type IN {LlmLogTypes} THEN 1 END),
               COUNT(CASE WHEN log_type IN {LlmLogTypes} AND cost IS NULL THEN 1 END)
        FROM events WHERE trace_id = $trace
        ON CONFLICT (trace_id) DO UPDATE SET
            start_us = excluded.start_us, end_us = excluded.end_us, span_count = excluded.span_count, tokens = excluded.tokens,
            cost = excluded.cost, has_error = excluded.has_error, user = excluded.user, environment = excluded.environment,
            root_name = excluded.root_name, root_log_type = excluded.root_log_type, models = excluded.models,
            session = excluded.session, llm_calls = excluded.llm_calls, unpriced_calls = excluded.unpriced_calls;
        """;

    /// <summary>Recomputes the summary of each trace in <paramref name="traceIds"/> from its stored spans.</summary>
    public static void RefreshAll(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<string> traceIds)
    {
        using var command = connection.Command(Refresh, transaction);
        var parameter = command.Parameters.Add(new SqliteParameter { ParameterName = "$trace" });
        command.Prepare();
        foreach (var traceId in traceIds)
        {
            parameter.Value = traceId;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Appends the prompt and completion text of newly stored spans to their traces' search documents
    /// (<c>traces_fts</c>, one FTS5 row per trace, rowid = the trace's rowid), so a search reads one row per matching trace.
    /// </summary>
    public static void AddSearchText(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyDictionary<string, System.Text.StringBuilder> texts)
    {
        if (texts.Count == 0)
        {
            return;
        }

        using var rowid = connection.Command("SELECT rowid FROM traces WHERE trace_id = $trace", transaction);
        var trace = rowid.Parameters.Add(new SqliteParameter { ParameterName = "$trace" });
        using var update = connection.Command("UPDATE traces_fts SET body = body || char(10) || $body WHERE rowid = $rowid", transaction);
        var updateBody = update.Parameters.Add(new SqliteParameter { ParameterName = "$body" });
        var updateRow = update.Parameters.Add(new SqliteParameter { ParameterName = "$rowid" });
        using var insert = connection.Command("INSERT INTO traces_fts (rowid, body) VALUES ($rowid, $body)", transaction);
        var insertBody = insert.Parameters.Add(new SqliteParameter { ParameterName = "$body" });
        var insertRow = insert.Parameters.Add(new SqliteParameter { ParameterName = "$rowid" });
        foreach (var (traceId, text) in texts)
        {
            trace.Value = traceId;
            if (rowid.ExecuteScalar() is not long id)
            {
                continue;
            }

            updateBody.Value = text.ToString();
            updateRow.Value = id;
            if (update.ExecuteNonQuery() == 0)
            {
                insertBody.Value = updateBody.Value;
                insertRow.Value = id;
                insert.ExecuteNonQuery();
            }
        }
    }

    /// <summary>A command that records one facet (<c>kind</c>, <c>value</c>) of a trace; bind <c>$kind</c>, <c>$value</c>, <c>$trace</c>.</summary>
    public static SqliteCommand FacetCommand(SqliteConnection connection, SqliteTransaction transaction)
    {
        var command = connection.Command("INSERT OR IGNORE INTO trace_facets (kind, value, trace_id) VALUES ($kind, $value, $trace);", transaction);
        command.Parameters.Add(new SqliteParameter { ParameterName = "$kind" });
        command.Parameters.Add(new SqliteParameter { ParameterName = "$value" });
        command.Parameters.Add(new SqliteParameter { ParameterName = "$trace" });
        command.Prepare();
        return command;
    }

    public static void AddFacet(SqliteCommand command, string kind, string? value, string traceId)
    {
        if (value is null)
        {
            return;
        }

        command.Parameters[0].Value = kind;
        command.Parameters[1].Value = value;
        command.Parameters[2].Value = traceId;
        command.ExecuteNonQuery();
    }
}
