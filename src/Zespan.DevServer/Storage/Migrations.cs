using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Zespan.DevServer.Storage;

/// <summary>One schema step: applied once, in order, inside its own transaction, recorded in <c>schema_version</c>.</summary>
internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>
/// Versioned schema migrations. The database records every applied step in <c>schema_version</c>; on start the
/// server applies the missing ones in order. Never edit a released step: add a new one.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "ingest: batches and events", """
            CREATE TABLE batches (
                batch_id           TEXT PRIMARY KEY,
                received_at        TEXT NOT NULL,
                sdk_name           TEXT,
                sdk_version        TEXT,
                environment        TEXT,
                sent_at            TEXT,
                dropped_since_last INTEGER NOT NULL DEFAULT 0,
                event_count        INTEGER NOT NULL
            );
            CREATE TABLE events (
                id                  INTEGER PRIMARY KEY,
                batch_id            TEXT NOT NULL REFERENCES batches(batch_id),
                trace_id            TEXT NOT NULL,
                span_id             TEXT NOT NULL,
                parent_span_id      TEXT,
                log_type            TEXT NOT NULL,
                name                TEXT NOT NULL,
                model               TEXT,
                provider            TEXT,
                customer_identifier TEXT,
                environment         TEXT,
                status_code         INTEGER,
                has_error           INTEGER NOT NULL DEFAULT 0,
                start_time          TEXT NOT NULL,
                start_us            INTEGER NOT NULL,
                end_us              INTEGER NOT NULL,
                prompt_tokens       INTEGER,
                completion_tokens   INTEGER,
                total_tokens        INTEGER,
                cost                REAL,
                latency             REAL,
                json                TEXT NOT NULL,
                UNIQUE (trace_id, span_id)
            );
            CREATE INDEX ix_events_span_id ON events(span_id);
            CREATE INDEX ix_events_parent_span_id ON events(parent_span_id);
            CREATE INDEX ix_events_log_type ON events(log_type);
            CREATE INDEX ix_events_name ON events(name);
            CREATE INDEX ix_events_model ON events(model);
            CREATE INDEX ix_events_provider ON events(provider);
            CREATE INDEX ix_events_customer ON events(customer_identifier);
            CREATE INDEX ix_events_status_code ON events(status_code);
            CREATE INDEX ix_events_start ON events(start_us);
            CREATE INDEX ix_events_batch ON events(batch_id);
            """),
        new(2, "remote configuration, prompts, guardrail policies", """
            CREATE TABLE config (
                environment TEXT PRIMARY KEY,
                version     INTEGER NOT NULL,
                rules       TEXT NOT NULL,
                updated_at  TEXT NOT NULL
            );
            CREATE TABLE prompts (
                id             INTEGER PRIMARY KEY,
                name           TEXT NOT NULL,
                version        INTEGER NOT NULL,
                type           TEXT NOT NULL,
                body           TEXT NOT NULL,
                labels         TEXT NOT NULL DEFAULT '[]',
                config         TEXT NOT NULL DEFAULT '{}',
                commit_message TEXT,
                created_at     TEXT NOT NULL,
                UNIQUE (name, version)
            );
            CREATE TABLE guardrail_policies (
                name       TEXT PRIMARY KEY,
                position   INTEGER NOT NULL,
                kind       TEXT NOT NULL,
                action     TEXT NOT NULL,
                phase      TEXT NOT NULL,
                definition TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            """),
        new(3, "per-trace summaries and facets: listing no longer aggregates the events table", $"""
            CREATE TABLE traces (
                trace_id      TEXT PRIMARY KEY,
                start_us      INTEGER NOT NULL,
                end_us        INTEGER NOT NULL,
                span_count    INTEGER NOT NULL,
                tokens        INTEGER,
                cost          REAL,
                has_error     INTEGER NOT NULL,
                user          TEXT,
                environment   TEXT,
                root_name     TEXT,
                root_log_type TEXT,
                models        TEXT NOT NULL DEFAULT '[]'
            );
            CREATE INDEX ix_traces_start ON traces(start_us, trace_id);
            CREATE TABLE trace_facets (
                kind     TEXT NOT NULL,
                value    TEXT NOT NULL,
                trace_id TEXT NOT NULL,
                PRIMARY KEY (kind, value, trace_id)
            ) WITHOUT ROWID;
            CREATE INDEX ix_trace_facets_trace ON trace_facets(trace_id);
            CREATE INDEX ix_events_trace_start ON events(trace_id, start_us);
            INSERT INTO traces (trace_id, start_us, end_us, span_count, tokens, cost, has_error, user, environment)
                SELECT trace_id, MIN(start_us), MAX(end_us), COUNT(*),
                       SUM(CASE WHEN log_type IN {TraceSummaries.LlmLogTypes} THEN COALESCE(total_tokens, prompt_tokens + completion_tokens) END),
                       SUM(CASE WHEN log_type IN {TraceSummaries.LlmLogTypes} THEN cost END),
                       MAX(has_error), MIN(customer_identifier), MIN(environment)
                FROM events GROUP BY trace_id;
            UPDATE traces SET
                root_name = (SELECT e.name FROM events e WHERE e.trace_id = traces.trace_id AND {TraceSummaries.IsRoot} ORDER BY e.start_us, e.id LIMIT 1),
                root_log_type = (SELECT e.log_type FROM events e WHERE e.trace_id = traces.trace_id AND {TraceSummaries.IsRoot} ORDER BY e.start_us, e.id LIMIT 1),
                models = (SELECT json_group_array(model) FROM (
                    SELECT model FROM events WHERE trace_id = traces.trace_id AND model IS NOT NULL GROUP BY model ORDER BY MIN(start_us), MIN(id)));
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id) SELECT 'user', customer_identifier, trace_id FROM events WHERE customer_identifier IS NOT NULL;
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id) SELECT 'model', model, trace_id FROM events WHERE model IS NOT NULL;
            """),
        new(4, "sessions, prompt versions, token details, search (FTS5, one document per trace), the dashboard's index and latency histogram buckets", $"""
            ALTER TABLE events ADD COLUMN thread_identifier TEXT;
            ALTER TABLE events ADD COLUMN prompt_name TEXT;
            ALTER TABLE events ADD COLUMN prompt_version INTEGER;
            ALTER TABLE events ADD COLUMN cached_tokens INTEGER;
            ALTER TABLE events ADD COLUMN reasoning_tokens INTEGER;
            ALTER TABLE events ADD COLUMN cost_status TEXT;
            ALTER TABLE events ADD COLUMN time_to_first_token REAL;
            ALTER TABLE events ADD COLUMN latency_bucket INTEGER;
            UPDATE events SET
                thread_identifier = json_extract(json, '$.thread_identifier'),
                prompt_name = json_extract(json, '$.metadata."prompt.name"'),
                prompt_version = CAST(json_extract(json, '$.metadata."prompt.version"') AS INTEGER),
                cached_tokens = json_extract(json, '$.prompt_tokens_details.cached_tokens'),
                reasoning_tokens = json_extract(json, '$.completion_tokens_details.reasoning_tokens'),
                cost_status = json_extract(json, '$.cost_status'),
                time_to_first_token = json_extract(json, '$.time_to_first_token'),
                latency_bucket = zespan_latency_bucket(latency);
            CREATE INDEX ix_events_thread ON events(thread_identifier);
            CREATE INDEX ix_events_calls ON events(start_us, environment, model, provider, customer_identifier, prompt_name, prompt_version, has_error,
                prompt_tokens, completion_tokens, total_tokens, cached_tokens, reasoning_tokens, cost, latency, latency_bucket)
                WHERE log_type IN {TraceSummaries.LlmLogTypes};
            ALTER TABLE traces ADD COLUMN session TEXT;
            ALTER TABLE traces ADD COLUMN llm_calls INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE traces ADD COLUMN unpriced_calls INTEGER NOT NULL DEFAULT 0;
            UPDATE traces SET
                session = (SELECT MIN(thread_identifier) FROM events e WHERE e.trace_id = traces.trace_id),
                llm_calls = (SELECT COUNT(*) FROM events e WHERE e.trace_id = traces.trace_id AND e.log_type IN {TraceSummaries.LlmLogTypes}),
                unpriced_calls = (SELECT COUNT(*) FROM events e WHERE e.trace_id = traces.trace_id AND e.log_type IN {TraceSummaries.LlmLogTypes} AND e.cost IS NULL);
            CREATE INDEX ix_traces_session ON traces(session, start_us) WHERE session IS NOT NULL;
            CREATE INDEX ix_traces_user ON traces(user, start_us) WHERE user IS NOT NULL;
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id) SELECT 'provider', provider, trace_id FROM events WHERE provider IS NOT NULL;
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id) SELECT 'log_type', log_type, trace_id FROM events;
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id) SELECT 'session', thread_identifier, trace_id FROM events WHERE thread_identifier IS NOT NULL;
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id)
                SELECT 'prompt', prompt_name || '#' || COALESCE(prompt_version, ''), trace_id FROM events WHERE prompt_name IS NOT NULL;
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id)
                SELECT 'tag', t.key || '=' || t.value, e.trace_id FROM events e, json_each(e.json, '$.tags') t
                WHERE json_type(e.json, '$.tags') = 'object' AND t.type = 'text';
            INSERT OR IGNORE INTO trace_facets (kind, value, trace_id)
                SELECT 'meta', m.key, e.trace_id FROM events e, json_each(e.json, '$.metadata') m WHERE json_type(e.json, '$.metadata') = 'object';
            CREATE VIRTUAL TABLE traces_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
            INSERT INTO traces_fts (rowid, body)
                SELECT t.rowid, group_concat(x.body, ' ') FROM traces t JOIN (
                    SELECT e.trace_id AS trace_id,
                           COALESCE((SELECT group_concat(json_extract(m.value, '$.content'), ' ') FROM json_each(e.json, '$.prompt_messages') m
                                     WHERE json_type(e.json, '$.prompt_messages') = 'array'), '')
                           || ' ' || COALESCE(json_extract(e.json, '$.completion_message.content'), '') AS body
                    FROM events e WHERE json_type(e.json, '$.prompt_messages') = 'array' OR json_type(e.json, '$.completion_message') = 'object') x
                ON x.trace_id = t.trace_id
                GROUP BY t.rowid;
            """),
        new(5, "hourly rollups of LLM calls for the dashboard", $"""
            CREATE TABLE call_rollup (
                dim               TEXT NOT NULL,
                hour_us           INTEGER NOT NULL,
                environment       TEXT NOT NULL,
                key               TEXT NOT NULL,
                version           INTEGER NOT NULL,
                latency_bucket    INTEGER NOT NULL,
                calls             INTEGER NOT NULL,
                errors            INTEGER NOT NULL,
                prompt_tokens     INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                total_tokens      INTEGER NOT NULL,
                cached_tokens     INTEGER NOT NULL,
                reasoning_tokens  INTEGER NOT NULL,
                cost              REAL NOT NULL,
                priced_calls      INTEGER NOT NULL,
                latency_count     INTEGER NOT NULL,
                latency_sum       REAL NOT NULL,
                latency_min       REAL,
                latency_max       REAL,
                PRIMARY KEY (dim, hour_us, environment, key, version, latency_bucket)
            ) WITHOUT ROWID;
            {CallRollups.RebuildSql(ranged: false)}
            """),
    ];

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Creates <c>schema_version</c> when missing and applies every step not yet recorded; returns the steps applied.</summary>
    public static IReadOnlyList<Migration> Apply(Database database, TimeProvider timeProvider)
    {
        using var connection = database.Open();
        connection.CreateFunction<double?, long?>("zespan_latency_bucket", LatencyBuckets.Of, isDeterministic: true); // step 4 fills the column with it
        using (var wal = connection.Command("PRAGMA journal_mode = WAL;"))
        {
            wal.ExecuteNonQuery();
        }

        using (var create = connection.Command("""
            CREATE TABLE IF NOT EXISTS schema_version (
                version     INTEGER PRIMARY KEY,
                description TEXT NOT NULL,
                applied_at  TEXT NOT NULL
            );
            """))
        {
            create.ExecuteNonQuery();
        }

        var applied = new List<Migration>();
        foreach (var migration in All)
        {
            // BEGIN IMMEDIATE, then re-read the version: a second process starting on the same file waits, then skips.
            using var transaction = connection.BeginTransaction(deferred: false);
            var current = CurrentVersion(connection, transaction);
            if (current > LatestVersion)
            {
                throw new DevServerStartupException(string.Create(CultureInfo.InvariantCulture,
                    $"The database '{database.FullPath}' has schema version {current}, newer than this dev server knows ({LatestVersion}). Update the dev server or use another --db file."));
            }

            if (migration.Version <= current)
            {
                continue;
            }

            using (var step = connection.Command(migration.Sql, transaction))
            {
                step.ExecuteNonQuery();
            }

            using (var record = connection.Command("INSERT INTO schema_version (version, description, applied_at) VALUES ($v, $d, $t);", transaction))
            {
                record.With("$v", migration.Version).With("$d", migration.Description).With("$t", Rfc3339.Format(timeProvider.GetUtcNow()));
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            applied.Add(migration);
        }

        return applied;
    }

    /// <summary>The highest recorded schema version, 0 for a new file.</summary>
    public static int CurrentVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.Command("SELECT COALESCE(MAX(version), 0) FROM schema_version;", transaction);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
