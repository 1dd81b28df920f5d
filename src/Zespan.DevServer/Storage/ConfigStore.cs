using System.Text.Json.Nodes;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Storage;

/// <summary>The remote configuration of one environment: a version and its rules.</summary>
internal sealed record ConfigRow(string Environment, long Version, string RulesJson);

/// <summary>Remote configuration per environment; every change bumps the version.</summary>
internal sealed class ConfigStore(Database database, TimeProvider timeProvider)
{
    /// <summary>The configuration in force; version 0 with no rules for an environment never configured.</summary>
    public ConfigRow Get(string environment) => database.Read(connection =>
    {
        using var command = connection.Command("SELECT version, rules FROM config WHERE environment = $env").With("$env", environment);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new ConfigRow(environment, reader.GetInt64(0), reader.GetString(1))
            : new ConfigRow(environment, 0, "[]");
    });

    /// <summary>Replaces the rules of <paramref name="environment"/> and returns the new version (the previous one + 1).</summary>
    public Task<ConfigRow> SetAsync(string environment, JsonArray rules, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) =>
        {
            var json = rules.ToJsonText();
            using var command = connection.Command("""
                INSERT INTO config (environment, version, rules, updated_at) VALUES ($env, 1, $rules, $now)
                ON CONFLICT (environment) DO UPDATE SET version = version + 1, rules = excluded.rules, updated_at = excluded.updated_at
                RETURNING version;
                """, transaction).With("$env", environment).With("$rules", json).With("$now", Rfc3339.Format(timeProvider.GetUtcNow()));
            var version = (long)command.ExecuteScalar()!;
            return new ConfigRow(environment, version, json);
        }, cancellationToken);
}
