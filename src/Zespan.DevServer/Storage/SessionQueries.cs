using System.Text.Json.Nodes;

namespace Zespan.DevServer.Storage;

/// <summary>One session (<c>thread_identifier</c>) or one user, summed over its traces.</summary>
internal sealed record GroupRow(string Id, string? User, long FirstUs, long LastUs, long Traces, long LlmCalls, long? Tokens, double? Cost, long UnpricedCalls);

/// <summary>One span of a session's replay: a generation, tool, guardrail or agent event, with its trace.</summary>
internal sealed record ReplaySpan(string TraceId, string SpanId, string LogType, string Name, long StartUs, bool HasError, JsonNode? Event);

/// <summary>Sessions and users, from the per-trace summaries (one row per trace, indexed by session and by user).</summary>
internal sealed class SessionQueries(Database database)
{
    /// <summary>The most turns (traces) a session replay holds.</summary>
    public const int MaxTurns = 200;

    private const string Sums = "MIN(start_us), MAX(end_us), COUNT(*), SUM(llm_calls), SUM(tokens), SUM(cost), SUM(unpriced_calls)";

    public (IReadOnlyList<GroupRow> Rows, long Total) Sessions(string? user, int page, int limit) => database.Read(connection =>
    {
        var where = "session IS NOT NULL" + (user is null ? string.Empty : " AND session IN (SELECT session FROM traces WHERE user = $user AND session IS NOT NULL)");
        long total;
        using (var count = connection.Command($"SELECT COUNT(DISTINCT session) FROM traces WHERE {where}"))
        {
            if (user is not null)
            {
                count.With("$user", user);
            }

            total = (long)count.ExecuteScalar()!;
        }

        using var select = connection.Command($"""
            SELECT session, MIN(user), {Sums} FROM traces WHERE {where}
            GROUP BY session ORDER BY MAX(start_us) DESC, session LIMIT $limit OFFSET $offset
            """).With("$limit", limit).With("$offset", (long)(page - 1) * limit);
        if (user is not null)
        {
            select.With("$user", user);
        }

        return ((IReadOnlyList<GroupRow>)Read(select), total);
    });

    public (IReadOnlyList<GroupRow> Rows, long Total) Users(int page, int limit) => database.Read(connection =>
    {
        long total;
        using (var count = connection.Command("SELECT COUNT(DISTINCT user) FROM traces WHERE user IS NOT NULL"))
        {
            total = (long)count.ExecuteScalar()!;
        }

        using var select = connection.Command($"""
            SELECT user, user, {Sums} FROM traces WHERE user IS NOT NULL
            GROUP BY user ORDER BY MAX(end_us) DESC, user LIMIT $limit OFFSET $offset
            """).With("$limit", limit).With("$offset", (long)(page - 1) * limit);
        return ((IReadOnlyList<GroupRow>)Read(select), total);
    });

    /// <summary>A session's summary and its traces (oldest first, at most <see cref="MaxTurns"/>) with the spans a replay shows; null when unknown.</summary>
    public (GroupRow Session, IReadOnlyList<TraceSummary> Turns, IReadOnlyList<ReplaySpan> Spans)? Session(string id) => database.Read(connection =>
    {
        GroupRow? session;
        using (var head = connection.Command($"SELECT session, MIN(user), {Sums} FROM traces WHERE session = $id GROUP BY session").With("$id", id))
        {
            session = Read(head).FirstOrDefault();
        }

        if (session is null)
        {
            return ((GroupRow, IReadOnlyList<TraceSummary>, IReadOnlyList<ReplaySpan>)?)null;
        }

        var turns = new List<TraceSummary>();
        using (var select = connection.Command($"""
            SELECT {EventStore.SummaryColumns} FROM traces t WHERE t.session = $id ORDER BY t.start_us, t.trace_id LIMIT {MaxTurns}
            """).With("$id", id))
        {
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                turns.Add(EventStore.ReadSummary(reader));
            }
        }

        var spans = new List<ReplaySpan>();
        using (var select = connection.Command($"""
            SELECT trace_id, span_id, log_type, name, start_us, has_error, json FROM events INDEXED BY ix_events_trace_start
            WHERE trace_id IN (SELECT trace_id FROM traces WHERE session = $id ORDER BY start_us, trace_id LIMIT {MaxTurns})
              AND log_type IN ('generation', 'response', 'tool', 'guardrail', 'handoff')
            ORDER BY start_us, id
            """).With("$id", id))
        {
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                spans.Add(new ReplaySpan(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                    reader.GetInt64(5) != 0, JsonNode.Parse(reader.GetString(6))));
            }
        }

        return (session, (IReadOnlyList<TraceSummary>)turns, (IReadOnlyList<ReplaySpan>)spans);
    });

    private static List<GroupRow> Read(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        var rows = new List<GroupRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new GroupRow(reader.GetString(0), reader.GetStringOrNull(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64OrNull(5) ?? 0, reader.GetInt64OrNull(6), reader.GetDoubleOrNull(7), reader.GetInt64OrNull(8) ?? 0));
        }

        return rows;
    }
}
