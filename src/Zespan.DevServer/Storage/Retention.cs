using Microsoft.Data.Sqlite;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Storage;

/// <summary>
/// Keeps the database bounded: at most <see cref="DevServerOptions.MaxEvents"/> events and, with
/// <see cref="DevServerOptions.Retention"/>, no trace that ended longer ago than that. Whole traces go, oldest first,
/// with their summaries, facets and search rows, so no trace is ever half shown. Runs after each ingest that stored
/// something, and every minute (<see cref="RetentionService"/>) for age.
/// </summary>
internal sealed class Retention(DevServerOptions options, Database database, TimeProvider timeProvider, DevServerLogger logger)
{
    public async Task EnforceAsync(EventStore store, CancellationToken cancellationToken)
    {
        long? cutoff = options.Retention is { } age ? Rfc3339.ToMicroseconds(timeProvider.GetUtcNow() - age) : null;
        var over = options.MaxEvents is { } max ? store.EventCount - max : 0;
        if (over <= 0 && cutoff is null)
        {
            return;
        }

        var (traces, events) = await database.WriteAsync((connection, transaction) => Delete(connection, transaction, cutoff, over), cancellationToken)
            .ConfigureAwait(false);
        if (traces > 0)
        {
            store.Forget(events);
            logger.RetentionDeleted(traces, events);
        }
    }

    private static (int Traces, long Events) Delete(SqliteConnection connection, SqliteTransaction transaction, long? cutoff, long over)
    {
        var doomed = new List<string>();
        var events = 0L;
        if (cutoff is { } before)
        {
            using var old = connection.Command("SELECT trace_id, span_count FROM traces WHERE start_us < $cutoff AND end_us < $cutoff", transaction)
                .With("$cutoff", before);
            using var reader = old.ExecuteReader();
            while (reader.Read())
            {
                doomed.Add(reader.GetString(0));
                events += reader.GetInt64(1);
            }
        }

        if (over > events)
        {
            var chosen = new HashSet<string>(doomed, StringComparer.Ordinal);
            using var oldest = connection.Command("SELECT trace_id, span_count FROM traces ORDER BY start_us, trace_id", transaction);
            using var reader = oldest.ExecuteReader();
            while (events < over && reader.Read())
            {
                if (chosen.Add(reader.GetString(0)))
                {
                    doomed.Add(reader.GetString(0));
                    events += reader.GetInt64(1);
                }
            }
        }

        if (doomed.Count == 0)
        {
            return (0, 0);
        }

        // the hours whose rollups lose calls: rebuilt from the events that remain, after the delete
        var hours = new HashSet<long>();
        using (var calls = connection.Command($"SELECT DISTINCT (start_us / {CallRollups.HourUs}) * {CallRollups.HourUs} FROM events WHERE trace_id = $trace AND log_type IN {TraceSummaries.LlmLogTypes}", transaction))
        {
            var parameter = calls.Parameters.Add(new SqliteParameter { ParameterName = "$trace" });
            foreach (var traceId in doomed)
            {
                parameter.Value = traceId;
                using var reader = calls.ExecuteReader();
                while (reader.Read())
                {
                    hours.Add(reader.GetInt64(0));
                }
            }
        }

        string[] statements =
        [
            "DELETE FROM traces_fts WHERE rowid = (SELECT rowid FROM traces WHERE trace_id = $trace)",
            "DELETE FROM trace_facets WHERE trace_id = $trace",
            "DELETE FROM events WHERE trace_id = $trace",
            "DELETE FROM traces WHERE trace_id = $trace",
        ];
        var deleted = 0L;
        foreach (var sql in statements)
        {
            using var command = connection.Command(sql, transaction);
            var parameter = command.Parameters.Add(new SqliteParameter { ParameterName = "$trace" });
            command.Prepare();
            foreach (var traceId in doomed)
            {
                parameter.Value = traceId;
                var rows = command.ExecuteNonQuery();
                if (sql.StartsWith("DELETE FROM events WHERE", StringComparison.Ordinal))
                {
                    deleted += rows;
                }
            }
        }

        CallRollups.Rebuild(connection, transaction, hours);

        // batches whose every event is gone (the batch ids of recent retries stay with their events)
        using (var batches = connection.Command("DELETE FROM batches WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.batch_id = batches.batch_id)", transaction))
        {
            batches.ExecuteNonQuery();
        }

        return (doomed.Count, deleted);
    }
}
