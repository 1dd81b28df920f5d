using Zespan.Testing;
using Zespan.Testing.Contract;

namespace Zespan.Extensions.Tests.Backend;

/// <summary>The protocol contract against <see cref="FakeZespanBackend"/>, the backend every SDK test uses (the dev server runs the same suite).</summary>
public sealed class FakeZespanBackendContractTests : ZespanApiContractTests
{
    protected override async Task<IContractServer> StartServerAsync() => new Server(await FakeZespanBackend.StartAsync());

    private sealed class Server(FakeZespanBackend backend) : IContractServer
    {
        private int _version;

        public Uri BaseUrl => backend.BaseUrl;

        public string ApiKey => FakeZespanBackend.ValidApiKey;

        public Task SetRulesAsync(string environment, string rulesJson)
        {
            backend.SetConfig(Interlocked.Increment(ref _version), rulesJson);
            return Task.CompletedTask;
        }

        public Task<int> StoredEventCountAsync(string traceId) =>
            Task.FromResult(backend.Events.Count(e => (string?)e["trace_id"] == traceId));

        public Task<long?> DroppedSinceLastAsync(string batchId) =>
            Task.FromResult(backend.Batches.FirstOrDefault(b => (string?)b["batch_id"] == batchId)?["dropped_since_last"]?.GetValue<long>());

        public ValueTask DisposeAsync() => backend.DisposeAsync();
    }
}
