using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Tracing;

/// <summary>Collects what the tracer enqueues (stands in for the export pipeline's queue).</summary>
internal sealed class CollectingEventQueue : IZespanEventQueue
{
    private readonly ConcurrentQueue<ZespanEvent> _events = new();

    /// <summary>Called on the enqueuing thread, before the event is stored.</summary>
    public Action<ZespanEvent>? OnEnqueue { get; set; }

    public IReadOnlyList<ZespanEvent> Events => [.. _events];

    public bool TryEnqueue(ZespanEvent item)
    {
        OnEnqueue?.Invoke(item);
        _events.Enqueue(item);
        return true;
    }

    public ZespanEvent Single(string name) => Assert.Single(Events, e => e.Name == name);
}

/// <summary>
/// A service provider with Zespan registered from an in-memory configuration section (so tests can change
/// options at runtime and see <c>OnChange</c> fire), a collecting queue and a manual clock.
/// </summary>
internal sealed class TracingHarness : IDisposable
{
    private readonly IConfigurationRoot _configuration;
    private readonly ServiceProvider _provider;

    private TracingHarness(Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        settings.TryAdd("Zespan:ApiKey", "zsp_test_key_123");
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddZespan(_configuration.GetSection("Zespan"));
        collection.AddSingleton<IZespanEventQueue>(Queue);
        collection.AddSingleton<TimeProvider>(Time);
        services?.Invoke(collection);
        _provider = collection.BuildServiceProvider();
    }

    public CollectingEventQueue Queue { get; } = new();

    public ManualTimeProvider Time { get; } = new();

    public IServiceProvider Services => _provider;

    public IZespanTracer Tracer => _provider.GetRequiredService<IZespanTracer>();

    public ZespanTracer Internal => _provider.GetRequiredService<ZespanTracer>();

    public IZespanContextAccessor Context => _provider.GetRequiredService<IZespanContextAccessor>();

    public IReadOnlyList<ZespanEvent> Events => Queue.Events;

    public static TracingHarness Create(params (string Key, string? Value)[] settings) => Create(null, settings);

    public static TracingHarness Create(Action<IServiceCollection>? services, params (string Key, string? Value)[] settings)
    {
        var dictionary = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            dictionary["Zespan:" + key] = value;
        }

        return new TracingHarness(dictionary, services);
    }

    /// <summary>Changes one option the way a configuration reload (or a remote rule) does, firing OnChange.</summary>
    public void SetOption(string key, string? value)
    {
        _configuration["Zespan:" + key] = value;
        _configuration.Reload();
    }

    public ZespanEvent Single(string name) => Queue.Single(name);

    /// <summary>The one collected event of that name after the lifecycle steps the export worker runs before sending it (parse, price, filters, redaction).</summary>
    public ZespanEvent Prepared(string name)
    {
        var item = Queue.Single(name);
        Assert.True(_provider.GetRequiredService<EventSteps>().Prepare(item));
        return item;
    }

    public void Dispose() => _provider.Dispose();
}
