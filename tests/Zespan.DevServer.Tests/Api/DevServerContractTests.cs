using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Zespan.Testing.Contract;

namespace Zespan.DevServer.Tests.Api;

/// <summary>
/// The protocol contract against the real dev server (in process on 127.0.0.1:0, a temp SQLite file): the same suite
/// the SDK tests' fake backend passes, so the two cannot drift.
/// </summary>
public sealed class DevServerContractTests : ZespanApiContractTests
{
    protected override async Task<IContractServer> StartServerAsync() => new Server(await DevServerHost.StartAsync());

    private sealed class Server(DevServerHost host) : IContractServer
    {
        public Uri BaseUrl => host.BaseUrl;

        public string ApiKey => host.Key;

        public async Task SetRulesAsync(string environment, string rulesJson)
        {
            using var content = new StringContent(new JsonObject { ["rules"] = JsonNode.Parse(rulesJson) }.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await host.Client.PutAsync("admin/config?environment=" + Uri.EscapeDataString(environment), content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        public async Task<int> StoredEventCountAsync(string traceId)
        {
            using var response = await host.Client.GetAsync("api/traces/" + traceId);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return 0;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["span_count"]!.GetValue<int>();
        }

        public async Task<long?> DroppedSinceLastAsync(string batchId)
        {
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = host.DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT dropped_since_last FROM batches WHERE batch_id = $id";
            command.Parameters.AddWithValue("$id", batchId);
            return await command.ExecuteScalarAsync() is long value ? value : null;
        }

        public ValueTask DisposeAsync() => host.DisposeAsync();
    }
}
