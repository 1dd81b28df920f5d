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
    string Json)
{
    /// <summary>Gets the columns added with migration 4 (sessions, prompts, token details, search text, facets).</summary>
    public EventDetails Details { get; init; } = EventDetails.Empty;
}

/// <summary>What the dashboard, sessions, prompts, search and the list's filters read from an event beyond the first columns.</summary>
internal sealed record EventDetails(
    string? ThreadIdentifier,
    string? PromptName,
    long? PromptVersion,
    long? CachedTokens,
    long? ReasoningTokens,
    string? CostStatus,
    double? TimeToFirstToken,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> MetadataKeys,
    string SearchText)
{
    public static readonly EventDetails Empty = new(null, null, null, null, null, null, null, [], [], string.Empty);
}

/// <summary>One validated ingest batch.</summary>
internal sealed record BatchRow(string BatchId, string? SdkName, string? SdkVersion, string? Environment, string? SentAt, long DroppedSinceLast, IReadOnlyList<EventRow> Events);

/// <summary>The filters of <c>GET /api/traces</c>.</summary>
internal sealed record TraceQuery(string? User, string? Model, bool? Error, long? FromUs, long? ToUs, int Page, int Limit)
{
    /// <summary>Gets words every trace must have in a prompt or completion (FTS5; each word matches as a prefix).</summary>
    public string? Search { get; init; }

    /// <summary>Gets a tag, <c>key=value</c>, a span of the trace carries.</summary>
    public string? Tag { get; init; }

    /// <summary>Gets a metadata key a span of the trace carries.</summary>
    public string? MetadataKey { get; init; }

    public string? LogType { get; init; }

    public string? Provider { get; init; }

    public string? Session { get; init; }

    public string? Environment { get; init; }

    /// <summary>Gets a prompt version, <c>name#version</c>, a generation of the trace was made with.</summary>
    public string? Prompt { get; init; }
}

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

/// <summary>A span placed in its trace: its depth in the tree and how many children it has.</summary>
internal sealed record PlacedSpan(SpanRow Row, int Depth, int ChildCount);

/// <summary>One trace and one page of its spans, in depth-first order.</summary>
internal sealed record TracePage(TraceSummary Summary, IReadOnlyList<PlacedSpan> Spans, int SpanOffset, int SpanLimit, int SpanTotal);

/// <summary>Batches, events, and the read API's queries over them.</summary>
internal sealed class EventStore
{
    private readonly Database database;
    private readonly TimeProvider timeProvider;
    private readonly Retention retention;
    private long _events;

    public EventStore(Database database, TimeProvider timeProvider, Retention retention)
    {
        this.database = database;
        this.timeProvider = timeProvider;
        this.retention = retention;
        _events = Counts().Events;
    }

    /// <summary>Gets the number of stored events (kept in memory: read at start, updated by ingest and retention).</summary>
    public long EventCount => Interlocked.Read(ref _events);

    /// <summary>Stores a batch and its events in one transaction; false when its <c>batch_id</c> was stored before (then nothing is written).</summary>
    public async Task<bool> IngestAsync(BatchRow batch, CancellationToken cancellationToken)
    {
        var inserted = 0;
        var stored = await database.WriteAsync((connection, transaction) =>
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
                    prompt_tokens, completion_tokens, total_tokens, cost, latency, json,
                    thread_identifier, prompt_name, prompt_version, cached_tokens, reasoning_tokens, cost_status, time_to_first_token, latency_bucket)
                VALUES ($batch, $trace, $span, $parent, $type, $name, $model, $provider, $customer, $env, $status, $error,
                    $start, $startUs, $endUs, $prompt, $completion, $total, $cost, $latency, $json,
                    $thread, $promptName, $promptVersion, $cached, $reasoning, $costStatus, $ttft, $latencyBucket)
                RETURNING id;
                """, transaction);
            var p = insert.Parameters;
            string[] names = ["$batch", "$trace", "$span", "$parent", "$type", "$name", "$model", "$provider", "$customer", "$env", "$status", "$error",
                "$start", "$startUs", "$endUs", "$prompt", "$completion", "$total", "$cost", "$latency", "$json",
                "$thread", "$promptName", "$promptVersion", "$cached", "$reasoning", "$costStatus", "$ttft", "$latencyBucket"];
            foreach (var name in names)
            {
                p.Add(new SqliteParameter { ParameterName = name });
            }

            insert.Prepare();
            var searchText = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
            using var facets = TraceSummaries.FacetCommand(connection, transaction);
            using var rollup = CallRollups.Command(connection, transaction);
            var touched = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in batch.Events)
            {
                var d = e.Details;
                object[] values =
                [
                    batch.BatchId, e.TraceId, e.SpanId, Db(e.ParentSpanId), e.LogType, e.Name, Db(e.Model), Db(e.Provider), Db(e.CustomerIdentifier),
                    Db(e.Environment), Db(e.StatusCode), e.HasError ? 1 : 0, e.StartTime, e.StartUs, e.EndUs, Db(e.PromptTokens), Db(e.CompletionTokens),
                    Db(e.TotalTokens), Db(e.Cost), Db(e.Latency), e.Json,
                    Db(d.ThreadIdentifier), Db(d.PromptName), Db(d.PromptVersion), Db(d.CachedTokens), Db(d.ReasoningTokens), Db(d.CostStatus), Db(d.TimeToFirstToken),
                    Db(LatencyBuckets.Of(e.Latency)),
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    p[i].Value = values[i];
                }

                if (insert.ExecuteScalar() is not long)
                {
                    continue; // this span of this trace is stored already
                }

                inserted++;
                touched.Add(e.TraceId);
                if (d.SearchText.Length > 0)
                {
                    if (!searchText.TryGetValue(e.TraceId, out var text))
                    {
                        searchText[e.TraceId] = text = new StringBuilder();
                    }

                    text.Append(d.SearchText).Append('\n');
                }

                if (e.LogType is "generation" or "response" or "embedding")
                {
                    CallRollups.Add(rollup, e);
                }

                TraceSummaries.AddFacet(facets, "user", e.CustomerIdentifier, e.TraceId);
                TraceSummaries.AddFacet(facets, "model", e.Model, e.TraceId);
                TraceSummaries.AddFacet(facets, "provider", e.Provider, e.TraceId);
                TraceSummaries.AddFacet(facets, "log_type", e.LogType, e.TraceId);
                TraceSummaries.AddFacet(facets, "session", d.ThreadIdentifier, e.TraceId);
                TraceSummaries.AddFacet(facets, "prompt", d.PromptName is null ? null : PromptFacet(d.PromptName, d.PromptVersion), e.TraceId);
                foreach (var tag in d.Tags)
                {
                    TraceSummaries.AddFacet(facets, "tag", tag, e.TraceId);
                }

                foreach (var key in d.MetadataKeys)
                {
                    TraceSummaries.AddFacet(facets, "meta", key, e.TraceId);
                }
            }

            TraceSummaries.RefreshAll(connection, transaction, touched);
            TraceSummaries.AddSearchText(connection, transaction, searchText);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (inserted > 0)
        {
            Interlocked.Add(ref _events, inserted);
            await retention.EnforceAsync(this, cancellationToken).ConfigureAwait(false);
        }

        return stored;
    }

    /// <summary>The facet value of a prompt version: <c>name#version</c> (the version follows the last <c>#</c>).</summary>
    public static string PromptFacet(string name, long? version) =>
        name + "#" + (version?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);

    private static object Db(object? value) => value ?? DBNull.Value;

    /// <summary>Takes <paramref name="events"/> deleted rows off <see cref="EventCount"/> (retention).</summary>
    public void Forget(long events) => Interlocked.Add(ref _events, -events);

    /// <summary>Counts stored rows (tests and the quickstart's summary).</summary>
    public (long Batches, long Events) Counts() => database.Read(connection =>
    {
        using var command = connection.Command("SELECT (SELECT COUNT(*) FROM batches), (SELECT COUNT(*) FROM events);");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    });

    /// <summary>One page of traces, newest first, and the number of traces matching the filters (from the per-trace summaries).</summary>
    public (IReadOnlyList<TraceSummary> Traces, long Total) ListTraces(TraceQuery query) => database.Read(connection =>
    {
        var where = new StringBuilder(" WHERE 1 = 1");
        var parameters = new List<(string, object)>();
        void Facet(string kind, string? value, string name)
        {
            if (value is not null)
            {
                // driven from the facet's index: a rare value reads its few traces, not every summary row
                where.Append(CultureInfo.InvariantCulture, $" AND t.trace_id IN (SELECT f.trace_id FROM trace_facets f WHERE f.kind = '{kind}' AND f.value = {name})");
                parameters.Add((name, value));
            }
        }

        Facet("user", query.User, "$user");
        Facet("model", query.Model, "$model");
        Facet("tag", query.Tag, "$tag");
        Facet("meta", query.MetadataKey, "$meta");
        Facet("log_type", query.LogType, "$logType");
        Facet("provider", query.Provider, "$provider");
        Facet("session", query.Session, "$session");
        Facet("prompt", query.Prompt, "$prompt");
        if (query.Environment is not null)
        {
            where.Append(" AND t.environment = $environment");
            parameters.Add(("$environment", query.Environment));
        }

        if (query.Search is not null && FullText.Query(query.Search) is { } match)
        {
            where.Append(" AND t.rowid IN (SELECT rowid FROM traces_fts WHERE traces_fts MATCH $search)");
            parameters.Add(("$search", match));
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

        long total;
        using (var count = connection.Command("SELECT COUNT(*) FROM traces t" + where))
        {
            foreach (var (name, value) in parameters)
            {
                count.With(name, value);
            }

            total = (long)count.ExecuteScalar()!;
        }

        var result = new List<TraceSummary>(query.Limit);
        using (var select = connection.Command($"SELECT {SummaryColumns} FROM traces t{where} ORDER BY t.start_us DESC, t.trace_id LIMIT $limit OFFSET $offset"))
        {
            foreach (var (name, value) in parameters)
            {
                select.With(name, value);
            }

            select.With("$limit", query.Limit).With("$offset", (long)(query.Page - 1) * query.Limit);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                result.Add(ReadSummary(reader));
            }
        }

        return ((IReadOnlyList<TraceSummary>)result, total);
    });

    /// <summary>The number of stored traces.</summary>
    public long CountTraces() => database.Read(static connection =>
    {
        using var command = connection.Command("SELECT COUNT(*) FROM traces;");
        return (long)command.ExecuteScalar()!;
    });

    /// <summary>
    /// One trace: its summary and one page of its spans in depth-first order (children by start time), each with its
    /// depth; null when no span of the trace is stored. The walk is iterative, so any depth of nesting is served.
    /// </summary>
    public TracePage? GetTrace(string traceId, int spanOffset, int spanLimit) => database.Read(connection =>
    {
        TraceSummary summary;
        using (var head = connection.Command($"SELECT {SummaryColumns} FROM traces t WHERE t.trace_id = $trace").With("$trace", traceId))
        {
            using var reader = head.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            summary = ReadSummary(reader);
        }

        var skeleton = new List<(long Id, string SpanId, string? ParentSpanId)>((int)Math.Min(summary.SpanCount, 100_000));
        using (var shape = connection.Command("SELECT id, span_id, parent_span_id FROM events WHERE trace_id = $trace ORDER BY start_us, id").With("$trace", traceId))
        {
            using var reader = shape.ExecuteReader();
            while (reader.Read())
            {
                skeleton.Add((reader.GetInt64(0), reader.GetString(1), reader.GetStringOrNull(2)));
            }
        }

        var order = SpanOrder.DepthFirst(skeleton.ConvertAll(static s => (s.SpanId, s.ParentSpanId)));
        var page = order.Skip(spanOffset).Take(spanLimit).ToList();
        var rows = new Dictionary<long, SpanRow>(page.Count);
        if (page.Count > 0)
        {
            var ids = new StringBuilder("[");
            foreach (var entry in page)
            {
                ids.Append(ids.Length > 1 ? "," : string.Empty).Append(skeleton[entry.Index].Id.ToString(CultureInfo.InvariantCulture));
            }

            using var select = connection.Command("""
                SELECT id, span_id, parent_span_id, log_type, name, start_us, end_us, status_code, has_error,
                       model, customer_identifier, environment, COALESCE(total_tokens, prompt_tokens + completion_tokens), cost, json
                FROM events WHERE id IN (SELECT value FROM json_each($ids))
                """).With("$ids", ids.Append(']').ToString());
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                rows[reader.GetInt64(0)] = new SpanRow(reader.GetString(1), reader.GetStringOrNull(2), reader.GetString(3), reader.GetString(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64OrNull(7), reader.GetInt64(8) != 0,
                    reader.GetStringOrNull(9), reader.GetStringOrNull(10), reader.GetStringOrNull(11), reader.GetInt64OrNull(12),
                    reader.GetDoubleOrNull(13), reader.GetString(14));
            }
        }

        var spans = new List<PlacedSpan>(page.Count);
        foreach (var entry in page)
        {
            if (rows.TryGetValue(skeleton[entry.Index].Id, out var row))
            {
                spans.Add(new PlacedSpan(row, entry.Depth, entry.ChildCount));
            }
        }

        return new TracePage(summary, spans, spanOffset, spanLimit, order.Count);
    });

    public const string SummaryColumns =
        "t.trace_id, t.root_name, t.root_log_type, t.user, t.models, t.tokens, t.cost, t.start_us, t.end_us, t.has_error, t.span_count, t.environment";

    public static TraceSummary ReadSummary(SqliteDataReader reader)
    {
        var models = new List<string>();
        if (JsonNode.Parse(reader.GetString(4)) is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is JsonValue value && value.TryGetValue<string>(out var model))
                {
                    models.Add(model);
                }
            }
        }

        var start = reader.GetInt64(7);
        return new TraceSummary(reader.GetString(0), reader.GetStringOrNull(1), reader.GetStringOrNull(2), reader.GetStringOrNull(3), models,
            reader.GetInt64OrNull(5), reader.GetDoubleOrNull(6), Math.Max(0, reader.GetInt64(8) - start) / 1_000_000.0, reader.GetInt64(9) != 0,
            start, reader.GetInt64(10), reader.GetStringOrNull(11));
    }
}
