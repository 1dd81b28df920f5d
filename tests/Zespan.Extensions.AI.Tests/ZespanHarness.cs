using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>The fake Zespan backend and a service provider with Zespan added, flushed on demand.</summary>
internal sealed class ZespanHarness : IAsyncDisposable
{
    private ZespanHarness(FakeZespanBackend backend, ServiceProvider services)
    {
        Backend = backend;
        Services = services;
    }

    public FakeZespanBackend Backend { get; }

    public ServiceProvider Services { get; }

    public IZespanTracer Tracer => Services.GetRequiredService<IZespanTracer>();

    public IZespanContextAccessor Context => Services.GetRequiredService<IZespanContextAccessor>();

    public static async Task<ZespanHarness> StartAsync(Action<ZespanOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.BatchSize = 1000;
            configure?.Invoke(o);
        });
        services?.Invoke(collection);
        return new ZespanHarness(backend, collection.BuildServiceProvider());
    }

    public IChatClient Wrap(IChatClient inner, Action<ZespanChatClientOptions>? configure = null) =>
        configure is null ? inner.WithZespan(Services) : inner.WithZespan(Services, configure);

    /// <summary>Flushes and returns every event the backend accepted.</summary>
    public async Task<IReadOnlyList<JsonObject>> FlushAsync()
    {
        Assert.True(await Services.GetRequiredService<IZespanClient>().FlushAsync());
        return Backend.Events;
    }

    /// <summary>Flushes and returns the one <c>generation</c> event.</summary>
    public async Task<JsonObject> SingleGenerationAsync() =>
        Assert.Single(await FlushAsync(), e => (string?)e["log_type"] == "generation");

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
