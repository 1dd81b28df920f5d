using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Tests.Storage;

public class PersistenceTests
{
    [Fact]
    public async Task Restart_OnTheSameFile_KeepsEverything()
    {
        using var dir = new TempDirectory();
        var path = dir.File("zespan-dev.db");
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        await using (var first = await DevServerHost.StartAsync(databasePath: path))
        {
            await first.IngestAsync(batch);
            using var config = await first.PutJsonAsync("admin/config", JsonNode.Parse("""[{"type":"sample_rate","value":0.5}]""")!);
            using var prompt = await first.PostJsonAsync("v1/prompts", JsonNode.Parse("""{"name":"p","prompt":"hi","labels":["production"]}""")!);
            using var policy = await first.PutJsonAsync("admin/guardrails/policies", JsonNode.Parse("""[{"name":"pii","kind":"pii"}]""")!);
        }

        await using var second = await DevServerHost.StartAsync(databasePath: path);
        using var duplicate = await second.PostJsonAsync("v1/ingest", batch);

        var trace = await second.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal(2, trace["span_count"]!.GetValue<int>());
        Assert.Equal(1, (await second.GetJsonAsync("v1/config"))["version"]!.GetValue<int>());
        Assert.Equal("hi", (await second.GetJsonAsync("v1/prompts/p"))["prompt"]!.GetValue<string>());
        Assert.Equal("pii", (await second.GetJsonAsync("admin/guardrails/policies"))["policies"]![0]!["name"]!.GetValue<string>());
        Assert.True(JsonNode.Parse(await duplicate.Content.ReadAsStringAsync())!["duplicate"]!.GetValue<bool>());
        Assert.Equal(2, (await second.GetJsonAsync("api/stats"))["events"]!.GetValue<int>());
    }

    [Fact]
    public void Migrations_AppliedTwice_SecondRunDoesNothing()
    {
        using var dir = new TempDirectory();
        var database = new Database(dir.File("m.db"));

        var first = Migrations.Apply(database, TimeProvider.System);
        var second = Migrations.Apply(database, TimeProvider.System);

        Assert.Equal(Migrations.All.Select(m => m.Version), first.Select(m => m.Version));
        Assert.Empty(second);
        var versions = database.Read(connection =>
        {
            using var command = connection.Command("SELECT version FROM schema_version ORDER BY version");
            using var reader = command.ExecuteReader();
            var list = new List<long>();
            while (reader.Read())
            {
                list.Add(reader.GetInt64(0));
            }

            return list;
        });
        Assert.Equal(Migrations.All.Select(static m => (long)m.Version), versions);
        database.ClearPool();
    }

    [Fact]
    public void Migrations_FromAnOlderSchema_ApplyOnlyTheMissingSteps()
    {
        using var dir = new TempDirectory();
        var database = new Database(dir.File("old.db"));
        using (var connection = database.Open())
        {
            // a file left by a server that knew only step 1
            using var create = connection.Command("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);" +
                Migrations.All[0].Sql + "INSERT INTO schema_version VALUES (1, 'x', '2026-01-01T00:00:00Z');");
            create.ExecuteNonQuery();
        }

        var applied = Migrations.Apply(database, TimeProvider.System);

        Assert.Equal(Migrations.All.Skip(1).Select(static m => m.Version), applied.Select(m => m.Version));
        database.ClearPool();
    }

    [Fact]
    public async Task Migrations_FromSchema2WithEvents_BackfillTheTraceSummaries()
    {
        using var dir = new TempDirectory();
        var path = dir.File("v2.db");
        var database = new Database(path);
        using (var connection = database.Open())
        {
            // a file written by a server that knew steps 1 and 2: events, no per-trace summaries
            using var create = connection.Command("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);" +
                Migrations.All[0].Sql + Migrations.All[1].Sql + """
                INSERT INTO schema_version VALUES (1, 'x', '2026-01-01T00:00:00Z'), (2, 'y', '2026-01-01T00:00:00Z');
                INSERT INTO batches (batch_id, received_at, event_count) VALUES ('b', '2026-01-01T00:00:00Z', 2);
                INSERT INTO events (batch_id, trace_id, span_id, parent_span_id, log_type, name, model, customer_identifier, start_time, start_us, end_us, total_tokens, cost, json)
                VALUES ('b', '0af7651916cd43dd8448eb211c80319c', '00f067aa0ba902b7', NULL, 'workflow', 'root', NULL, 'ada', 't', 1000000, 3000000, NULL, NULL, '{}'),
                       ('b', '0af7651916cd43dd8448eb211c80319c', '10f067aa0ba902b7', '00f067aa0ba902b7', 'generation', 'llm', 'gpt-4o', NULL, 't', 1500000, 2000000, 42, 0.5, '{}');
                """);
            create.ExecuteNonQuery();
        }

        database.ClearPool();
        await using var server = await DevServerHost.StartAsync(databasePath: path);

        var list = await server.GetJsonAsync("api/traces?user=ada&model=gpt-4o");
        var row = Assert.Single(list["data"]!.AsArray())!;
        Assert.Equal("root", row["name"]!.GetValue<string>());
        Assert.Equal(42, row["total_tokens"]!.GetValue<int>());
        Assert.Equal(2.0, row["latency"]!.GetValue<double>(), 6);
        Assert.Equal(["gpt-4o"], row["models"]!.AsArray().Select(static m => m!.GetValue<string>()));
        Assert.Equal(1, (await server.GetJsonAsync("api/stats"))["traces"]!.GetValue<int>());
    }

    [Fact]
    public void Build_DatabaseFromANewerServer_RefusesToStart()
    {
        using var dir = new TempDirectory();
        var path = dir.File("future.db");
        var database = new Database(path);
        Migrations.Apply(database, TimeProvider.System);
        using (var connection = database.Open())
        {
            using var insert = connection.Command("INSERT INTO schema_version VALUES (99, 'from the future', '2030-01-01T00:00:00Z')");
            insert.ExecuteNonQuery();
        }

        database.ClearPool();
        var options = new DevServerOptions { DatabasePath = path, ConfigureLogging = static l => l.ClearProviders() };
        options.Urls.Add("http://127.0.0.1:0");

        var error = Assert.Throws<DevServerStartupException>(() => DevServerApp.Build(options));

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Database_UsesWalJournal()
    {
        await using var server = await DevServerHost.StartAsync();

        using var connection = new SqliteConnection($"Data Source={server.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";

        Assert.Equal("wal", command.ExecuteScalar() as string);
    }
}
