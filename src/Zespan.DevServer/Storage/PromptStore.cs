using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Zespan.DevServer.Api;
using Zespan.DevServer.Api.Contracts;

namespace Zespan.DevServer.Storage;

/// <summary>One stored prompt version.</summary>
internal sealed record PromptRow(string Name, long Version, string Type, string BodyJson, IReadOnlyList<string> Labels, string ConfigJson, string? CommitMessage, string CreatedAt)
{
    /// <summary>The prompt object of the protocol (spec section 3).</summary>
    public PromptResponse ToResponse() =>
        new(Name, Version, Type, JsonNode.Parse(BodyJson), Labels, JsonNode.Parse(ConfigJson), CommitMessage, CreatedAt);
}

/// <summary>What <c>POST /v1/prompts</c> asks to create (validated).</summary>
internal sealed record NewPrompt(string Name, string Type, string BodyJson, IReadOnlyList<string> Labels, string ConfigJson, string? CommitMessage);

/// <summary>
/// Versioned prompts. Versions count from 1 per name; a label names at most one version of a prompt, so giving
/// a label to a version takes it from any other version of that prompt (inside the same transaction).
/// </summary>
internal sealed class PromptStore(Database database, TimeProvider timeProvider)
{
    private const string Columns = "name, version, type, body, labels, config, commit_message, created_at";

    public Task<PromptRow> CreateAsync(NewPrompt prompt, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) =>
        {
            long version;
            using (var next = connection.Command("SELECT COALESCE(MAX(version), 0) + 1 FROM prompts WHERE name = $name", transaction).With("$name", prompt.Name))
            {
                version = (long)next.ExecuteScalar()!;
            }

            MoveLabels(connection, transaction, prompt.Name, version, prompt.Labels);
            var createdAt = Rfc3339.Format(timeProvider.GetUtcNow());
            using (var insert = connection.Command($"INSERT INTO prompts ({Columns}) VALUES ($name, $version, $type, $body, $labels, $config, $message, $created)", transaction))
            {
                insert.With("$name", prompt.Name).With("$version", version).With("$type", prompt.Type).With("$body", prompt.BodyJson)
                    .With("$labels", LabelsJson(prompt.Labels)).With("$config", prompt.ConfigJson).With("$message", prompt.CommitMessage).With("$created", createdAt);
                insert.ExecuteNonQuery();
            }

            return new PromptRow(prompt.Name, version, prompt.Type, prompt.BodyJson, prompt.Labels, prompt.ConfigJson, prompt.CommitMessage, createdAt);
        }, cancellationToken);

    /// <summary>The version of <paramref name="name"/> that carries <paramref name="label"/>, or null.</summary>
    public PromptRow? GetByLabel(string name, string label) => database.Read(connection =>
    {
        using var command = connection.Command($"""
            SELECT {Columns} FROM prompts p
            WHERE p.name = $name AND EXISTS (SELECT 1 FROM json_each(p.labels) WHERE value = $label)
            ORDER BY p.version DESC LIMIT 1
            """).With("$name", name).With("$label", label);
        return ReadOne(command);
    });

    public PromptRow? GetByVersion(string name, long version) => database.Read(connection =>
    {
        using var command = connection.Command($"SELECT {Columns} FROM prompts WHERE name = $name AND version = $version")
            .With("$name", name).With("$version", version);
        return ReadOne(command);
    });

    /// <summary>One page of prompt versions (by name, then newest version first) and the number matching.</summary>
    public (IReadOnlyList<PromptRow> Data, long Total) List(string? name, string? label, int page, int limit) => database.Read(connection =>
    {
        var where = new StringBuilder(" WHERE 1 = 1");
        if (name is not null)
        {
            where.Append(" AND p.name = $name");
        }

        if (label is not null)
        {
            where.Append(" AND EXISTS (SELECT 1 FROM json_each(p.labels) WHERE value = $label)");
        }

        long total;
        using (var count = connection.Command("SELECT COUNT(*) FROM prompts p" + where))
        {
            Bind(count, name, label);
            total = (long)count.ExecuteScalar()!;
        }

        using var select = connection.Command($"SELECT {Columns} FROM prompts p{where} ORDER BY p.name, p.version DESC LIMIT $limit OFFSET $offset");
        Bind(select, name, label);
        select.With("$limit", limit).With("$offset", (long)(page - 1) * limit);
        using var reader = select.ExecuteReader();
        var rows = new List<PromptRow>();
        while (reader.Read())
        {
            rows.Add(Read(reader));
        }

        return ((IReadOnlyList<PromptRow>)rows, total);
    });

    /// <summary>Sets the labels of one version (exactly these), taking each from any other version of the prompt; null when the version does not exist.</summary>
    public Task<PromptRow?> SetLabelsAsync(string name, long version, IReadOnlyList<string> labels, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) =>
        {
            using (var exists = connection.Command("SELECT COUNT(*) FROM prompts WHERE name = $name AND version = $version", transaction)
                .With("$name", name).With("$version", version))
            {
                if ((long)exists.ExecuteScalar()! == 0)
                {
                    return null;
                }
            }

            MoveLabels(connection, transaction, name, version, labels);
            using (var update = connection.Command("UPDATE prompts SET labels = $labels WHERE name = $name AND version = $version", transaction)
                .With("$labels", LabelsJson(labels)).With("$name", name).With("$version", version))
            {
                update.ExecuteNonQuery();
            }

            using var select = connection.Command($"SELECT {Columns} FROM prompts WHERE name = $name AND version = $version", transaction)
                .With("$name", name).With("$version", version);
            return ReadOne(select);
        }, cancellationToken);

    private static void MoveLabels(SqliteConnection connection, SqliteTransaction transaction, string name, long version, IReadOnlyList<string> labels)
    {
        if (labels.Count == 0)
        {
            return;
        }

        // every other version of this prompt that carries one of these labels loses it
        var holders = new List<(long Version, List<string> Labels)>();
        using (var select = connection.Command("SELECT version, labels FROM prompts WHERE name = $name AND version <> $version", transaction)
            .With("$name", name).With("$version", version))
        {
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var current = ParseLabels(reader.GetString(1));
                var kept = current.Where(l => !labels.Contains(l, StringComparer.Ordinal)).ToList();
                if (kept.Count != current.Count)
                {
                    holders.Add((reader.GetInt64(0), kept));
                }
            }
        }

        foreach (var (otherVersion, kept) in holders)
        {
            using var update = connection.Command("UPDATE prompts SET labels = $labels WHERE name = $name AND version = $version", transaction)
                .With("$labels", LabelsJson(kept)).With("$name", name).With("$version", otherVersion);
            update.ExecuteNonQuery();
        }
    }

    private static void Bind(SqliteCommand command, string? name, string? label)
    {
        if (name is not null)
        {
            command.With("$name", name);
        }

        if (label is not null)
        {
            command.With("$label", label);
        }
    }

    private static PromptRow? ReadOne(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static PromptRow Read(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), ParseLabels(reader.GetString(4)),
            reader.GetString(5), reader.GetStringOrNull(6), reader.GetString(7));

    private static List<string> ParseLabels(string json)
    {
        var labels = new List<string>();
        if (JsonNode.Parse(json) is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is JsonValue value && value.TryGetValue<string>(out var label))
                {
                    labels.Add(label);
                }
            }
        }

        return labels;
    }

    private static string LabelsJson(IEnumerable<string> labels)
    {
        var array = new JsonArray();
        foreach (var label in labels)
        {
            array.Add((JsonNode)label);
        }

        return array.ToJsonText();
    }
}
