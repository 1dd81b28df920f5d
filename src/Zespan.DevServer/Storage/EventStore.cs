using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Zespan.DevServer.Api.Contracts;

namespace Zespan.DevServer.Storage;

/// <summary>One validated event, with the columns the read API filters and sums on.</summary>
internal sealed record EventRow(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string LogType,
    string Name,
    string? Model,
    string? Provider,
    string? CustomerIdentifier,
    string? Environment,
    long? StatusCode,
    bool HasError,
    string StartTime,
    long StartUs,
    long EndUs,
    long? PromptTokens,
    long? CompletionTokens,
    long? TotalTokens,
    double? Cost,
    double? Latency,
    string Json);

/// <summary>One validated ingest batch.</summary>
internal sealed record BatchRow(string BatchId, string? SdkName, string? SdkVersion, string? Environment, string? SentAt, long DroppedSinceLast, IReadOnlyList<EventRow> Events);

/// <summary>The filters of <c>GET /api/traces</c>.</summary>
internal sealed record TraceQuery(string? User, string? Model, bool? Error, long? FromUs, long? ToUs, int Page, int Limit);

/// <summary>One row of the trace list.</summary>
internal sealed record TraceSummary(
    string TraceId,
    string? Name,
    string? RootLogType,
    string? User,
    IReadOnlyList<string> Models,
    long? TotalTokens,
    double? TotalCost,
    double Latency,
    bool HasError,
    long StartUs,
    long SpanCount,
    string? Environment)
{
    /// <summary>The row as the read API answers it.</summary>
    public TraceSummaryResponse ToResponse() => new(
        TraceId, Name, RootLogType, User, Models.Count > 0 ? Models[0] : null, Models, TotalTokens, TotalCost, Latency,
        HasError ? "error" : "ok", Rfc3339.FromMicroseconds(StartUs), SpanCount, Environment);
}

/// <summary>One stored span of a trace.</summary>
internal sealed record SpanRow(
    string SpanId,
    string? ParentSpanId,
    string LogType,
    string Name,
    long StartUs,
    long EndUs,
    long? StatusCode,
    bool HasError,
    string? Model,
    string? CustomerIdentifier,
    string? Environment,
    long? Tokens,
    double? Cost,
    string Json)
{
    /// <summary>True for the log types whose tokens, cost and model count toward the trace's totals (LLM calls).</summary>
    public bool IsLlmCall => LogType is "generation" or "response" or "embedding";
}

/// <summary>Batches, events, and the read API's queries over them.</summary>
internal sealed class EventStore(Database database, TimeProvider timeProvider)
{
    /// <summary>The log types whose tokens, cost and model count toward a trace's totals (LLM calls).</summary>
    private const string LlmLogTypes = "('generation', 'response', 'embedding')";

    /// <summary>Stores a batch and its events in one transaction; false when its <c>batch_id</c> was stored before (then nothing is written).</summary>
    public Task<bool> IngestAsync(BatchRow batch, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) =>
        {
            using (var insertBatch = connection.Command("""
                INSERT OR IGNORE INTO batches (batch_id, received_at, sdk_name, sdk_version, environment, sent_at, dropped_since_last, event_count)
                VALUES ($id, $received, $sdk, $sdkVersion, $env, $sent, $dropped, $count);
                """, transaction))
            {
                insertBatch.With("$id", batch.BatchId)
                    .With("$received", Rfc3339.Format(timeProvider.GetUtcNow()))
                    .With("$sdk", batch.SdkName)
                    .With("$sdkVersion", batch.SdkVersion)
                    .With("$env", batch.Environment)
                    .With("$sent", batch.SentAt)
                    .With("$dropped", batch.DroppedSinceLast)
                    .With("$count", batch.Events.Count);
                if (insertBatch.ExecuteNonQuery() == 0)
                {
                    return false;
                }
            }

            using var insert = connection.Command("""
                INSERT OR IGNORE INTO events (batch_id, trace_id, span_id, parent_span_id, log_type, name, model, provider,
                    customer_identifier, environment, status_code, has_error, start_time, start_us, end_us,
                    prompt_tokens, completion_tokens, total_tokens, cost, latency, json)
                VALUES ($batch, $trace, $span, $parent, $type, $name, $model, $provider, $customer, $env, $status, $error,
                    $start, $startUs, $endUs, $prompt, $completion, $total, $cost, $latency, $json);
                """, transaction);
            var p = insert.Parameters;
            string[] names = ["$batch", "$trace", "$span", "$parent", "$type", "$name", "$model", "$provider", "$customer", "$env", "$status", "$error",
                "$start", "$startUs", "$endUs", "$prompt", "$completion", "$total", "$cost", "$latency", "$json"];
            foreach (var name in names)
            {
                p.Add(new SqliteParameter { ParameterName = name });
            }

            insert.Prepare();
            foreach (var e in batch.Events)
            {
                p[0].Value = batch.BatchId;
                p[1].Value = e.TraceId;
                p[2].Value = e.SpanId;
                p[3].Value = (object?)e.ParentSpanId ?? DBNull.Value;
                p[4].Value = e.LogType;
                p[5].Value = e.Name;
                p[6].Value = (object?)e.Model ?? DBNull.Value;
                p[7].Value = (object?)e.Provider ?? DBNull.Value;
                p[8].Value = (object?)e.CustomerIdentifier ?? DBNull.Value;
                p[9].Value = (object?)e.Environment ?? DBNull.Value;
                p[10].Value = (object?)e.StatusCode ?? DBNull.Value;
                p[11].Value = e.HasError ? 1 : 0;
                p[12].Value = e.StartTime;
                p[13].Value = e.StartUs;
                p[14].Value = e.EndUs;
                p[15].Value = (object?)e.PromptTokens ?? DBNull.Value;
                p[16].Value = (object?)e.CompletionTokens ?? DBNull.Value;
                p[17].Value = (object?)e.TotalTokens ?? DBNull.Value;
                p[18].Value = (object?)e.Cost ?? DBNull.Value;
                p[19].Value = (object?)e.Latency ?? DBNull.Value;
                p[20].Value = e.Json;
                insert.ExecuteNonQuery();
            }

            return true;
        }, cancellationToken);

    /// <summary>Counts stored rows (tests and the quickstart's summary).</summary>
    public (long Batches, long Events) Counts() => database.Read(connection =>
    {
        using var command = connection.Command("SELECT (SELECT COUNT(*) FROM batches), (SELECT COUNT(*) FROM events);");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    });

    /// <summary>One page of traces, newest first, and the number of traces matching the filters.</summary>
    public (IReadOnlyList<TraceSummary> Traces, long Total) ListTraces(TraceQuery query) => database.Read(connection =>
    {
        var where = new StringBuilder(" WHERE 1 = 1");
        var parameters = new List<(string, object)>();
        if (query.User is not null)
        {
            where.Append(" AND t.trace_id IN (SELECT trace_id FROM events WHERE customer_identifier = $user)");
            parameters.Add(("$user", query.User));
        }

        if (query.Model is not null)
        {
            where.Append(" AND t.trace_id IN (SELECT trace_id FROM events WHERE model = $model)");
            parameters.Add(("$model", query.Model));
        }

        if (query.Error is { } error)
        {
            where.Append(error ? " AND t.has_error = 1" : " AND t.has_error = 0");
        }

        if (query.FromUs is { } from)
        {
            where.Append(" AND t.start_us >= $from");
            parameters.Add(("$from", from));
        }

        if (query.ToUs is { } to)
        {
            where.Append(" AND t.start_us <= $to");
            parameters.Add(("$to", to));
        }

        const string Aggregate = $"""
            WITH t AS (
                SELECT trace_id,
                       MIN(start_us) AS start_us,
                       MAX(end_us) AS end_us,
                       COUNT(*) AS span_count,
                       SUM(CASE WHEN log_type IN {LlmLogTypes} THEN COALESCE(total_tokens, prompt_tokens + completion_tokens) END) AS tokens,
                       SUM(CASE WHEN log_type IN {LlmLogTypes} THEN cost END) AS cost,
                       MAX(has_error) AS has_error,
                       MIN(customer_identifier) AS user,
                       MIN(environment) AS environment
                FROM events GROUP BY trace_id)
            """;

        long total;
        using (var count = connection.Command(Aggregate + " SELECT COUNT(*) FROM t" + where))
        {
            foreach (var (name, value) in parameters)
            {
                count.With(name, value);
            }

            total = (long)count.ExecuteScalar()!;
        }

        var rows = new List<(string TraceId, long StartUs, long EndUs, long SpanCount, long? Tokens, double? Cost, bool Error, string? User, string? Env)>();
        using (var select = connection.Command(Aggregate + """
             SELECT t.trace_id, t.start_us, t.end_us, t.span_count, t.tokens, t.cost, t.has_error, t.user, t.environment FROM t
            """ + where + " ORDER BY t.start_us DESC, t.trace_id LIMIT $limit OFFSET $offset"))
        {
            foreach (var (name, value) in parameters)
            {
                select.With(name, value);
            }

            select.With("$limit", query.Limit).With("$offset", (long)(query.Page - 1) * query.Limit);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64OrNull(4),
                    reader.GetDoubleOrNull(5), reader.GetInt64(6) != 0, reader.GetStringOrNull(7), reader.GetStringOrNull(8)));
            }
        }

        if (rows.Count == 0)
        {
            return ((IReadOnlyList<TraceSummary>)[], total);
        }

        var ids = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            ids.Append(i == 0 ? "$t0" : string.Create(CultureInfo.InvariantCulture, $", $t{i}"));
        }

        var roots = new Dictionary<string, (string Name, string LogType)>(StringComparer.Ordinal);
        using (var rootQuery = connection.Command($"""
            SELECT e.trace_id, e.name, e.log_type FROM events e
            WHERE e.trace_id IN ({ids})
              AND (e.parent_span_id IS NULL
                   OR NOT EXISTS (SELECT 1 FROM events p WHERE p.trace_id = e.trace_id AND p.span_id = e.parent_span_id))
            ORDER BY e.start_us, e.id
            """))
        {
            AddIds(rootQuery, rows);
            using var reader = rootQuery.ExecuteReader();
            while (reader.Read())
            {
                roots.TryAdd(reader.GetString(0), (reader.GetString(1), reader.GetString(2)));
            }
        }

        var models = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using (var modelQuery = connection.Command($"""
            SELECT trace_id, model FROM events
            WHERE trace_id IN ({ids}) AND model IS NOT NULL
            GROUP BY trace_id, model ORDER BY trace_id, MIN(start_us)
            """))
        {
            AddIds(modelQuery, rows);
            using var reader = modelQuery.ExecuteReader();
            while (reader.Read())
            {
                var traceId = reader.GetString(0);
                if (!models.TryGetValue(traceId, out var list))
                {
                    models[traceId] = list = [];
                }

                list.Add(reader.GetString(1));
            }
        }

        var result = new List<TraceSummary>(rows.Count);
        foreach (var row in rows)
        {
            roots.TryGetValue(row.TraceId, out var root);
            result.Add(new TraceSummary(
                row.TraceId,
                root.Name,
                root.LogType,
                row.User,
                models.TryGetValue(row.TraceId, out var m) ? m : [],
                row.Tokens,
                row.Cost,
                Math.Max(0, row.EndUs - row.StartUs) / 1_000_000.0,
                row.Error,
                row.StartUs,
                row.SpanCount,
                row.Env));
        }

        return ((IReadOnlyList<TraceSummary>)result, total);
    });

    /// <summary>Every span of a trace, oldest first; empty when the trace is unknown.</summary>
    public IReadOnlyList<SpanRow> GetTraceSpans(string traceId) => database.Read(connection =>
    {
        using var command = connection.Command("""
            SELECT span_id, parent_span_id, log_type, name, start_us, end_us, status_code, has_error,
                   model, customer_identifier, environment, COALESCE(total_tokens, prompt_tokens + completion_tokens), cost, json
            FROM events WHERE trace_id = $trace ORDER BY start_us, id
            """).With("$trace", traceId);
        using var reader = command.ExecuteReader();
        var spans = new List<SpanRow>();
        while (reader.Read())
        {
            spans.Add(new SpanRow(reader.GetString(0), reader.GetStringOrNull(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64OrNull(6), reader.GetInt64(7) != 0,
                reader.GetStringOrNull(8), reader.GetStringOrNull(9), reader.GetStringOrNull(10), reader.GetInt64OrNull(11),
                reader.GetDoubleOrNull(12), reader.GetString(13)));
        }

        return (IReadOnlyList<SpanRow>)spans;
    });

    /// <summary>The summary of one trace from its spans and the tree <see cref="BuildTree"/> made of them.</summary>
    public static TraceSummary Summarize(string traceId, IReadOnlyList<SpanRow> spans, JsonArray tree)
    {
        long start = long.MaxValue, end = long.MinValue;
        long? tokens = null;
        double? cost = null;
        string? user = null, environment = null;
        var error = false;
        var models = new List<string>();
        foreach (var span in spans)
        {
            start = Math.Min(start, span.StartUs);
            end = Math.Max(end, span.EndUs);
            error |= span.HasError;
            if (span.CustomerIdentifier is not null && (user is null || string.CompareOrdinal(span.CustomerIdentifier, user) < 0))
            {
                user = span.CustomerIdentifier;
            }

            if (span.Environment is not null && (environment is null || string.CompareOrdinal(span.Environment, environment) < 0))
            {
                environment = span.Environment;
            }

            if (span.Model is not null && !models.Contains(span.Model, StringComparer.Ordinal))
            {
                models.Add(span.Model);
            }

            if (span.IsLlmCall)
            {
                if (span.Tokens is { } t)
                {
                    tokens = (tokens ?? 0) + t;
                }

                if (span.Cost is { } c)
                {
                    cost = (cost ?? 0) + c;
                }
            }
        }

        var root = tree.Count > 0 ? (JsonObject)tree[0]! : null;
        return new TraceSummary(traceId, root?["name"]?.GetValue<string>(), root?["log_type"]?.GetValue<string>(), user, models, tokens, cost,
            Math.Max(0, end - start) / 1_000_000.0, error, start, spans.Count, environment);
    }

    /// <summary>Builds the span tree: children nested under <c>parent_span_id</c>; spans whose parent is not stored are roots.</summary>
    public static JsonArray BuildTree(IReadOnlyList<SpanRow> spans)
    {
        var nodes = new Dictionary<string, (SpanRow Row, JsonObject Node, JsonArray Children)>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            var children = new JsonArray();
            var node = new JsonObject
            {
                ["span_id"] = span.SpanId,
                ["parent_span_id"] = span.ParentSpanId,
                ["log_type"] = span.LogType,
                ["name"] = span.Name,
                ["start_time"] = Rfc3339.FromMicroseconds(span.StartUs),
                ["end_time"] = Rfc3339.FromMicroseconds(span.EndUs),
                ["latency"] = Math.Max(0, span.EndUs - span.StartUs) / 1_000_000.0,
                ["status_code"] = span.StatusCode,
                ["status"] = span.HasError ? "error" : "ok",
                ["event"] = JsonNode.Parse(span.Json),
                ["children"] = children,
            };
            nodes.TryAdd(span.SpanId, (span, node, children));
        }

        var roots = new JsonArray();
        foreach (var span in spans)
        {
            var (_, node, _) = nodes[span.SpanId];
            if (node.Parent is not null)
            {
                continue; // a duplicate span id (cannot happen: unique per trace), already placed
            }

            if (span.ParentSpanId is { } parentId && parentId != span.SpanId && nodes.TryGetValue(parentId, out var parent) && !IsAncestor(nodes, span.SpanId, parentId))
            {
                parent.Children.Add((JsonNode)node);
            }
            else
            {
                roots.Add((JsonNode)node);
            }
        }

        return roots;
    }

    private static bool IsAncestor(Dictionary<string, (SpanRow Row, JsonObject Node, JsonArray Children)> nodes, string spanId, string candidateDescendant)
    {
        // guards against parent cycles in hostile input: walk up from the candidate parent; meeting spanId means a cycle
        var current = candidateDescendant;
        for (var depth = 0; depth < nodes.Count && current is not null; depth++)
        {
            if (current == spanId)
            {
                return true;
            }

            current = nodes.TryGetValue(current, out var n) ? n.Row.ParentSpanId : null;
        }

        return false;
    }

    private static void AddIds(SqliteCommand command, List<(string TraceId, long StartUs, long EndUs, long SpanCount, long? Tokens, double? Cost, bool Error, string? User, string? Env)> rows)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            command.With(string.Create(CultureInfo.InvariantCulture, $"$t{i}"), rows[i].TraceId);
        }
    }
}
