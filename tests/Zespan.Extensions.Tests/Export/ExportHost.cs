using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// The export tests' <see cref="ZespanTestHost"/>: a started generic host pointed at the fake backend, time driven by its
/// <see cref="SignalingTimeProvider"/>. Defaults keep every timer distinguishable: flush interval 1 h (ticks only when a
/// test advances), attempt timeout 7 min, shutdown timeout 3 min; retry delays are at most 60 s.
/// </summary>
internal static class ExportHost
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(7);
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMinutes(3);

    public static JsonObject Envelope(RecordedRequest request) => (JsonObject)request.Json!;

    extension(ZespanTestHost)
    {
        /// <summary>Starts the export host; <paramref name="settings"/> are <c>Zespan</c> keys without the prefix.</summary>
        public static Task<ZespanTestHost> StartExportAsync(
            Dictionary<string, string?>? settings = null,
            Action<IServiceCollection>? services = null,
            bool startHost = true,
            FakeZespanBackend? backend = null)
        {
            var options = new ZespanTestHostOptions
            {
                GenericHost = true,
                StartHost = startHost,
                FakeTime = true,
                Backend = backend,
                Services = services is null ? null : (s, _) => services(s),
            }.With(
                ("Environment", "test"),
                ("FlushInterval", FlushInterval.ToString()),
                ("RequestTimeout", RequestTimeout.ToString()),
                ("ShutdownTimeout", ShutdownTimeout.ToString()),
                ("Debug", "true"));
            foreach (var (key, value) in settings ?? [])
            {
                options.Settings[key] = value;
            }

            return ZespanTestHost.StartAsync(options);
        }
    }

    extension(ZespanTestHost h)
    {
        public IZespanEventQueue Queue => h.Services.GetRequiredService<IZespanEventQueue>();

        public IZespanClient Client => h.Services.GetRequiredService<IZespanClient>();

        public ExportWorker Worker => h.Services.GetRequiredService<ExportWorker>();

        public DeliveryGate Gate => h.Services.GetRequiredService<DeliveryGate>();

        public DropCounter Drops => h.Services.GetRequiredService<DropCounter>();

        public ExportStatistics Stats => h.Services.GetRequiredService<ExportStatistics>();

        public IReadOnlyList<RecordedRequest> Ingests => h.Backend.RequestsTo("/v1/ingest");

        /// <summary>Sets one <c>Zespan</c> setting and reloads the configuration (IOptionsMonitor.OnChange fires).</summary>
        public void Reload(string key, string? value) => h.SetOption(key, value);

        public void EnqueueAll(IEnumerable<ZespanEvent> events)
        {
            var queue = h.Queue;
            foreach (var e in events)
            {
                Assert.True(queue.TryEnqueue(e));
            }
        }

        /// <summary>The <c>name</c> of every accepted event, across batches.</summary>
        public IReadOnlyList<string> AcceptedNames() =>
            h.Backend.Events.Select(e => e["name"]!.GetValue<string>()).ToArray();
    }
}
