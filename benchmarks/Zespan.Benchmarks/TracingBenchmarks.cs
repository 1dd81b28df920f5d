using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Zespan.Extensions;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Benchmarks;

/// <summary>
/// The cost on the app's thread of one span: start, two tags, dispose, enqueue. Zespan beside the same span
/// through OpenTelemetry .NET (batch processor, discarding exporter). Also: tracing disabled, a sampled-out
/// span (and its child), and <see cref="IZespanTracer.LogGeneration"/>.
/// Run: dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- --filter '*TracingBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class TracingBenchmarks
{
    private const string SourceName = "Zespan.Benchmarks.Otel";

    private readonly GenerationLog _generation = new()
    {
        Model = "gpt-4o-mini",
        Provider = "openai",
        PromptTokens = 120,
        CompletionTokens = 40,
        Latency = TimeSpan.FromMilliseconds(850),
    };

    private ServiceProvider _recording = null!;
    private ServiceProvider _disabled = null!;
    private ServiceProvider _sampledOut = null!;
    private StandInEventQueue _queue = null!;
    private IZespanTracer _tracer = null!;
    private IZespanTracer _disabledTracer = null!;
    private IZespanTracer _sampledOutTracer = null!;
    private TracerProvider _otel = null!;
    private ActivitySource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        _queue = new StandInEventQueue();
        _recording = Build(_queue, static o => { });
        _disabled = Build(new StandInEventQueue(), static o => o.DisableTracing = true);
        _sampledOut = Build(new StandInEventQueue(), static o => o.SampleRate = 0);
        _tracer = _recording.GetRequiredService<IZespanTracer>();
        _disabledTracer = _disabled.GetRequiredService<IZespanTracer>();
        _sampledOutTracer = _sampledOut.GetRequiredService<IZespanTracer>();

        _source = new ActivitySource(SourceName);
        _otel = Sdk.CreateTracerProviderBuilder()
            .AddSource(SourceName)
            .AddProcessor(new BatchActivityExportProcessor(new DiscardingExporter()))
            .Build()!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _otel.Dispose();
        _source.Dispose();
        _recording.Dispose();
        _disabled.Dispose();
        _sampledOut.Dispose();
    }

    [Benchmark(Baseline = true, Description = "OpenTelemetry span (2 tags)")]
    public void OpenTelemetrySpan()
    {
        using var activity = _source.StartActivity("span");
        activity?.SetTag("team", "search");
        activity?.SetTag("tier", "gold");
    }

    [Benchmark(Description = "Zespan span (2 tags)")]
    public void ZespanSpan()
    {
        using var span = _tracer.StartSpan("span");
        span.SetTag("team", "search");
        span.SetTag("tier", "gold");
    }

    [Benchmark(Description = "Zespan span, tracing disabled")]
    public void ZespanSpanDisabled()
    {
        using var span = _disabledTracer.StartSpan("span");
        span.SetTag("team", "search");
        span.SetTag("tier", "gold");
    }

    [Benchmark(Description = "Zespan span, sampled out")]
    public void ZespanSpanSampledOut()
    {
        using var span = _sampledOutTracer.StartSpan("span");
        span.SetTag("team", "search");
        span.SetTag("tier", "gold");
    }

    [Benchmark(Description = "Zespan sampled-out span + child")]
    public void ZespanSpanSampledOutWithChild()
    {
        using var span = _sampledOutTracer.StartSpan("span");
        using var child = _sampledOutTracer.StartSpan("child");
        child.SetTag("team", "search");
    }

    [Benchmark(Description = "Zespan LogGeneration")]
    public void ZespanLogGeneration() => _tracer.LogGeneration(_generation);

    private static ServiceProvider Build(IZespanEventQueue queue, Action<ZespanOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddZespan(o =>
        {
            o.ApiKey = "zsp_benchmark";
            configure(o);
        });
        services.AddSingleton(queue);
        return services.BuildServiceProvider();
    }

    private sealed class DiscardingExporter : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch) => ExportResult.Success;
    }
}

/// <summary>
/// A stand-in for the export pipeline's queue with the same shape as OpenTelemetry's batch processor: a
/// preallocated bounded ring (lock-free add, drop when full) drained by a background thread woken every
/// 512 events or 10 ms. Nothing is allocated per event.
/// </summary>
internal sealed class StandInEventQueue : IZespanEventQueue, IDisposable
{
    private const int Capacity = 4096;
    private const int BatchSize = 512;

    private readonly ZespanEvent?[] _slots = new ZespanEvent?[Capacity];
    private readonly AutoResetEvent _signal = new(false);
    private readonly Thread _drainer;
    private long _head;
    private long _tail;
    private long _dropped;
    private volatile bool _stopping;

    public StandInEventQueue()
    {
        _drainer = new Thread(Drain) { IsBackground = true, Name = "StandInEventQueue" };
        _drainer.Start();
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public bool TryEnqueue(ZespanEvent item)
    {
        while (true)
        {
            var tail = Volatile.Read(ref _tail);
            if (tail - Volatile.Read(ref _head) >= Capacity)
            {
                Interlocked.Increment(ref _dropped);
                return false;
            }

            if (Interlocked.CompareExchange(ref _tail, tail + 1, tail) == tail)
            {
                Volatile.Write(ref _slots[tail & (Capacity - 1)], item);
                if ((tail + 1) % BatchSize == 0)
                {
                    _signal.Set();
                }

                return true;
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _signal.Set();
        _drainer.Join();
        _signal.Dispose();
    }

    private void Drain()
    {
        while (!_stopping)
        {
            _signal.WaitOne(10);
            var head = Volatile.Read(ref _head);
            var tail = Volatile.Read(ref _tail);
            while (head < tail)
            {
                ref var slot = ref _slots[head & (Capacity - 1)];
                var spinner = default(SpinWait);
                while (Volatile.Read(ref slot) is null)
                {
                    spinner.SpinOnce();
                }

                slot = null;
                head++;
                Volatile.Write(ref _head, head);
            }
        }
    }
}
