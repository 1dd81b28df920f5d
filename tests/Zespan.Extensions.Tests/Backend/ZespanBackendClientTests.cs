using Microsoft.Extensions.Time.Testing;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Tests.Configuration;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Backend;

public sealed class ZespanBackendClientTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero));
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            // Never answers: only the attempt timeout ends the call.
            _arrived.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SendAsync_RequestTimeoutReloaded_TheNextCallTimesOutAtTheNewValueWithoutRestart()
    {
        var options = new TestOptionsMonitor(new ZespanOptions
        {
            ApiKey = FakeZespanBackend.ValidApiKey,
            BaseUrl = _server.BaseUrl,
            RequestTimeout = TimeSpan.FromMinutes(10),
        });
        using var client = new ZespanBackendClient(options, _time);

        options.Change(o => o.RequestTimeout = TimeSpan.FromSeconds(2));
        var call = client.SendAsync(ZespanBackendEndpoint.Config, static (b, _) => b.CreateRequest(HttpMethod.Get, "v1/config"), 0, CancellationToken.None);
        await _arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(2));

        // With the pipeline of the old value (10 minutes) two seconds end nothing: the wait below would time out.
        var failure = await Assert.ThrowsAsync<ZespanBackendException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(BackendFailure.Timeout, failure.Failure);
    }

    [Fact]
    public void OptionsChange_TimeoutsUnchanged_KeepsEveryPipelineAndItsCircuitState()
    {
        var options = new TestOptionsMonitor(new ZespanOptions { ApiKey = FakeZespanBackend.ValidApiKey, BaseUrl = _server.BaseUrl });
        using var client = new ZespanBackendClient(options, _time);
        var before = Enum.GetValues<ZespanBackendEndpoint>().Select(client.GetPipeline).ToArray();

        options.Change(o => o.BatchSize = 7);

        Assert.Equal(before, Enum.GetValues<ZespanBackendEndpoint>().Select(client.GetPipeline));
    }

    [Fact]
    public void OptionsChange_GuardrailTimeout_RebuildsOnlyTheGuardrailPipeline()
    {
        var options = new TestOptionsMonitor(new ZespanOptions { ApiKey = FakeZespanBackend.ValidApiKey, BaseUrl = _server.BaseUrl });
        using var client = new ZespanBackendClient(options, _time);
        var ingest = client.GetPipeline(ZespanBackendEndpoint.Ingest);
        var guardrails = client.GetPipeline(ZespanBackendEndpoint.Guardrails);

        options.Change(o => o.GuardrailTimeout = TimeSpan.FromSeconds(1));

        Assert.Same(ingest, client.GetPipeline(ZespanBackendEndpoint.Ingest));
        Assert.NotSame(guardrails, client.GetPipeline(ZespanBackendEndpoint.Guardrails));
    }

    [Fact]
    public void Dispose_StopsListeningToOptionsChanges()
    {
        var options = new TestOptionsMonitor(new ZespanOptions { ApiKey = FakeZespanBackend.ValidApiKey, BaseUrl = _server.BaseUrl });
        var client = new ZespanBackendClient(options, _time);
        Assert.Equal(1, options.ListenerCount);

        client.Dispose();

        Assert.Equal(0, options.ListenerCount);
    }
}
