using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Zespan.DevServer.Storage;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Guardrails;

/// <summary>
/// Guardrail policies in their order, stored as normalised definitions. The compiled set is cached until the next
/// change; a generation counter keeps a load that raced with a change from caching the old set.
/// </summary>
internal sealed class GuardrailStore(Database database, TimeProvider timeProvider, TimeSpan regexTimeout)
{
    private volatile IReadOnlyList<GuardrailPolicy>? _compiled;
    private long _generation;

    public TimeSpan RegexTimeout => regexTimeout;

    /// <summary>The policies in force, compiled.</summary>
    public IReadOnlyList<GuardrailPolicy> GetAll()
    {
        var cached = _compiled;
        if (cached is not null)
        {
            return cached;
        }

        var generation = Interlocked.Read(ref _generation);
        var loaded = database.Read(connection =>
        {
            using var command = connection.Command("SELECT definition FROM guardrail_policies ORDER BY position, name");
            using var reader = command.ExecuteReader();
            var list = new List<GuardrailPolicy>();
            while (reader.Read())
            {
                list.Add(GuardrailPolicy.Parse(JsonNode.Parse(reader.GetString(0)), regexTimeout));
            }

            return list;
        });
        if (generation == Interlocked.Read(ref _generation))
        {
            _compiled = loaded;
        }

        return loaded;
    }

    public GuardrailPolicy? Get(string name)
    {
        foreach (var policy in GetAll())
        {
            if (policy.Name == name)
            {
                return policy;
            }
        }

        return null;
    }

    /// <summary>Replaces every policy with <paramref name="policies"/> (in this order).</summary>
    public async Task ReplaceAllAsync(IReadOnlyList<GuardrailPolicy> policies, CancellationToken cancellationToken)
    {
        try
        {
            await database.WriteAsync((connection, transaction) =>
            {
                using (var delete = connection.Command("DELETE FROM guardrail_policies", transaction))
                {
                    delete.ExecuteNonQuery();
                }

                var now = Rfc3339.Format(timeProvider.GetUtcNow());
                for (var i = 0; i < policies.Count; i++)
                {
                    Insert(connection, transaction, policies[i], i, now);
                }

                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Invalidate();
        }
    }

    /// <summary>Adds a policy at the end, or replaces the one with its name in place.</summary>
    public async Task UpsertAsync(GuardrailPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            await database.WriteAsync((connection, transaction) =>
            {
                long position;
                using (var existing = connection.Command("SELECT position FROM guardrail_policies WHERE name = $name", transaction).With("$name", policy.Name))
                {
                    position = existing.ExecuteScalar() is long p ? p : NextPosition(connection, transaction);
                }

                using (var delete = connection.Command("DELETE FROM guardrail_policies WHERE name = $name", transaction).With("$name", policy.Name))
                {
                    delete.ExecuteNonQuery();
                }

                Insert(connection, transaction, policy, position, Rfc3339.Format(timeProvider.GetUtcNow()));
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Invalidate();
        }
    }

    /// <summary>Deletes one policy (or all when <paramref name="name"/> is null); returns how many went.</summary>
    public async Task<int> DeleteAsync(string? name, CancellationToken cancellationToken)
    {
        try
        {
            return await database.WriteAsync((connection, transaction) =>
            {
                using var delete = name is null
                    ? connection.Command("DELETE FROM guardrail_policies", transaction)
                    : connection.Command("DELETE FROM guardrail_policies WHERE name = $name", transaction).With("$name", name);
                return delete.ExecuteNonQuery();
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Invalidate();
        }
    }

    private void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _compiled = null;
    }

    private static long NextPosition(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var next = connection.Command("SELECT COALESCE(MAX(position), -1) + 1 FROM guardrail_policies", transaction);
        return (long)next.ExecuteScalar()!;
    }

    private static void Insert(SqliteConnection connection, SqliteTransaction transaction, GuardrailPolicy policy, long position, string now)
    {
        using var insert = connection.Command("""
            INSERT INTO guardrail_policies (name, position, kind, action, phase, definition, updated_at)
            VALUES ($name, $position, $kind, $action, $phase, $definition, $now)
            """, transaction);
        insert.With("$name", policy.Name).With("$position", position).With("$kind", policy.Kind).With("$action", policy.Action)
            .With("$phase", policy.Phase).With("$definition", policy.Definition.ToJsonText()).With("$now", now);
        insert.ExecuteNonQuery();
    }
}
