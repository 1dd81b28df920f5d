using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;

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
/// The tracing tests' <see cref="ZespanTestHost"/>: Zespan registered from an in-memory configuration section (so tests
/// can change options at run time and see <c>OnChange</c> fire), a collecting queue instead of the export pipeline and
/// the host's fake clock; no backend.
/// </summary>
internal static class TracingHost
{
    extension(ZespanTestHost)
    {
        public static ZespanTestHost CreateTracing(params (string Key, string? Value)[] settings) => CreateTracing(null, settings);

        public static ZespanTestHost CreateTracing(Action<IServiceCollection>? services, params (string Key, string? Value)[] settings)
        {
            var options = new ZespanTestHostOptions
            {
                FakeTime = true,
                MinimumLogLevel = LogLevel.Information,
                Services = (collection, _) =>
                {
                    var queue = new CollectingEventQueue();
                    collection.AddSingleton(queue);
                    collection.AddSingleton<IZespanEventQueue>(queue);
                    services?.Invoke(collection);
                },
            }.With(settings);
            options.Settings.TryAdd("ApiKey", "zsp_test_key_123");
            return ZespanTestHost.Create(options);
        }
    }

    extension(ZespanTestHost h)
    {
        public CollectingEventQueue Queue => h.Services.GetRequiredService<CollectingEventQueue>();

        public ZespanTracer Internal => h.Services.GetRequiredService<ZespanTracer>();

        public IReadOnlyList<ZespanEvent> Events => h.Queue.Events;

        public ZespanEvent Single(string name) => h.Queue.Single(name);

        /// <summary>The one collected event of that name after the lifecycle steps the export worker runs before sending it (parse, price, filters, redaction).</summary>
        public ZespanEvent Prepared(string name)
        {
            var item = h.Queue.Single(name);
            Assert.True(h.Services.GetRequiredService<EventSteps>().Prepare(item));
            return item;
        }
    }
}
