using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Zespan.Extensions;
using Zespan.Extensions.Export.Internal;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using OpenAIChatMessage = OpenAI.Chat.ChatMessage;

namespace Zespan.Benchmarks;

/// <summary>
/// The whole cost of a traced LLM call, measured for the whole process (not BenchmarkDotNet, which measures only the
/// calling thread): per call, the wall-clock time, the process's CPU time (<see cref="Environment.CpuUsage"/>, which
/// counts the caller, the export thread, the thread pool and the GC, and includes the final flush) and the bytes
/// allocated process-wide (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), through the real OpenAI .NET SDK to a fake
/// OpenAI serving the repository's recorded fixtures, for five variants in one process, interleaved in rounds:
/// the bare SDK; the SDK through Zespan's handler (a factory client, <c>AddZespan</c>, export to a loopback backend that
/// discards, default options, gzip); Microsoft.Extensions.AI's <c>AsIChatClient()</c> over the bare SDK; the same
/// IChatClient over the SDK through Zespan's handler; and the peer, that IChatClient with <c>UseOpenTelemetry</c>
/// (<c>EnableSensitiveData</c>) and the OpenTelemetry SDK (a tracer and a meter provider, batch processor, OTLP
/// http/protobuf exporter to a loopback collector that discards). The servers run in a child process, so the figures
/// are the app's alone.
/// Run: <c>dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- cost [--calls 2000] [--stream-calls 500] [--rounds 20] [--warmup 300] [--pause-ms 0]</c>
/// (<c>--pause-ms</c> waits after each call, outside its timing, as an app that is not calling flat out: the export
/// work of a call no longer overlaps the next, and each call starts with colder caches).
/// </summary>
internal static class CallCostLoad
{
    private const string Model = "gpt-4o-mini";
    private const string PeerSource = "Zespan.Benchmarks.Peer";

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = IntArg(args, "--calls", 2_000);
        var streamCalls = IntArg(args, "--stream-calls", 500);
        var rounds = IntArg(args, "--rounds", 20);
        var warmup = IntArg(args, "--warmup", 300);
        var pause = TimeSpan.FromMilliseconds(IntArg(args, "--pause-ms", 0));
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "providers");

        Console.WriteLine($"date {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine($"load average at start: {LoadAverage()}");
        Console.WriteLine($"{calls} non-streaming and {streamCalls} streaming calls per variant, {rounds} rounds{(pause > TimeSpan.Zero ? $", {pause.TotalMilliseconds} ms pause after each call" : ", calls back to back")}");

        using var servers = await ServerProcess.StartAsync(fixtures).ConfigureAwait(false);
        var url = servers.BaseUrl;

        using var bareHost = await StartHostAsync(services =>
        {
            services.AddHttpClient("bare-sdk");
            services.AddHttpClient("bare-meai");
            services.AddHttpClient("peer");
        }).ConfigureAwait(false);
        using var zespanHost = await StartHostAsync(services =>
        {
            services.AddZespan(o =>
            {
                o.ApiKey = "zsp_bench_0123456789";
                o.BaseUrl = url;
                o.DisableConfigSync = true;
            });
            services.AddHttpClient("zespan-sdk").AddZespanOpenAI();
            services.AddHttpClient("zespan-meai").AddZespanOpenAI();
        }).ConfigureAwait(false);

        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(PeerSource)
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(url, "v1/traces");
            })
            .Build();
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PeerSource)
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(url, "v1/metrics");
            })
            .Build();

        var bareFactory = bareHost.Services.GetRequiredService<IHttpClientFactory>();
        var zespanFactory = zespanHost.Services.GetRequiredService<IHttpClientFactory>();
        var zespanClient = zespanHost.Services.GetRequiredService<IZespanClient>();
        var zespanStats = zespanHost.Services.GetRequiredService<ExportStatistics>();
        Func<Task> zespanFlush = () => zespanClient.FlushAsync();
        Func<Task> peerFlush = () =>
        {
            tracerProvider.ForceFlush();
            meterProvider.ForceFlush();
            return Task.CompletedTask;
        };

        var peer = new ChatClientBuilder(OpenAiClient(bareFactory, "peer", url).AsIChatClient())
            .UseOpenTelemetry(sourceName: PeerSource, configure: c => c.EnableSensitiveData = true)
            .Build();
        var variants = new Variant[]
        {
            Variant.Of("bare SDK", OpenAiClient(bareFactory, "bare-sdk", url), null, Sink.None),
            Variant.Of("Zespan SDK", OpenAiClient(zespanFactory, "zespan-sdk", url), zespanFlush, Sink.Ingest),
            Variant.Of("bare MEAI", OpenAiClient(bareFactory, "bare-meai", url).AsIChatClient(), null, Sink.None),
            Variant.Of("Zespan MEAI", OpenAiClient(zespanFactory, "zespan-meai", url).AsIChatClient(), zespanFlush, Sink.Ingest),
            Variant.Of("MEAI+OTel", peer, peerFlush, Sink.Otlp),
        };

        // Warm-up: JIT (twice, with a pause between, so tiered compilation has promoted the hot methods), connection
        // pools, the export pipelines.
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var variant in variants)
            {
                for (var i = 0; i < warmup; i++)
                {
                    await variant.CallAsync().ConfigureAwait(false);
                    await variant.StreamAsync().ConfigureAwait(false);
                }

                await variant.FlushAsync().ConfigureAwait(false);
            }

            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }

        var exportedBefore = zespanStats.EventsExported;
        var nonStreaming = await MeasureAsync(variants, servers, rounds, Math.Max(1, calls / rounds), streaming: false, pause).ConfigureAwait(false);
        var streaming = await MeasureAsync(variants, servers, rounds, Math.Max(1, streamCalls / rounds), streaming: true, pause).ConfigureAwait(false);

        Console.WriteLine();
        Print("non-streaming call (openai-chat.json)", variants, nonStreaming, streaming: false);
        Print($"streaming call (openai-chat-stream.sse, {servers.StreamEvents} events)", variants, streaming, streaming: true);
        Console.WriteLine();
        Console.WriteLine($"Zespan: {zespanStats.EventsExported - exportedBefore} events exported in the measured rounds; dropped (queue/budget) {zespanStats.EventsDroppedQueueFull}, rejected {zespanStats.EventsDroppedRejected}, failed delivery {zespanStats.EventsDroppedFailedDelivery}; export failures {zespanStats.ExportFailures}");
        Console.WriteLine($"load average at end: {LoadAverage()}");
        return 0;
    }

    private static async Task<Dictionary<Variant, List<RoundResult>>> MeasureAsync(Variant[] variants, ServerProcess servers, int rounds, int perRound, bool streaming, TimeSpan pause)
    {
        var results = variants.ToDictionary(v => v, _ => new List<RoundResult>());
        var wall = new double[perRound];
        var first = new double[perRound];
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                // The order rotates each round, so no variant always follows the same one.
                var variant = variants[(round + k) % variants.Length];
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var (sinkBytesBefore, sinkRequestsBefore) = await servers.SinkAsync(variant.Sink).ConfigureAwait(false);
                var cpu = Environment.CpuUsage.TotalTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < perRound; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    if (streaming)
                    {
                        var firstUpdate = await variant.StreamAsync().ConfigureAwait(false);
                        first[i] = Stopwatch.GetElapsedTime(t0, firstUpdate).TotalMicroseconds;
                    }
                    else
                    {
                        await variant.CallAsync().ConfigureAwait(false);
                    }

                    wall[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                    if (pause > TimeSpan.Zero)
                    {
                        await Task.Delay(pause).ConfigureAwait(false);
                    }
                }

                var calls = Stopwatch.GetTimestamp();
                await variant.FlushAsync().ConfigureAwait(false);
                var end = Stopwatch.GetTimestamp();
                var cpuUsed = Environment.CpuUsage.TotalTime - cpu;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                var (sinkBytes, sinkRequests) = await servers.SinkAsync(variant.Sink).ConfigureAwait(false);
                results[variant].Add(new RoundResult(
                    WallMedian: Median(wall),
                    WallMean: Stopwatch.GetElapsedTime(start, calls).TotalMicroseconds / perRound,
                    FirstUpdateMedian: streaming ? Median(first) : 0,
                    CpuPerCall: cpuUsed.TotalMicroseconds / perRound,
                    AllocatedPerCall: (double)bytes / perRound,
                    FlushMicroseconds: Stopwatch.GetElapsedTime(calls, end).TotalMicroseconds,
                    WireBytesPerCall: (double)(sinkBytes - sinkBytesBefore) / perRound,
                    SinkRequests: sinkRequests - sinkRequestsBefore));
            }
        }

        return results;
    }

    private static void Print(string title, Variant[] variants, Dictionary<Variant, List<RoundResult>> results, bool streaming)
    {
        var rounds = results[variants[0]].Count;
        Console.WriteLine($"## {title}: medians of {rounds} rounds (ratio: the median of the per-round ratios to the bare row of the same client, with its interquartile range)");
        Console.WriteLine(streaming
            ? "| variant | first update µs | ratio | full stream µs | ratio | CPU µs/call | ratio | allocated B/call | to the sink B/call |"
            : "| variant | call µs (median) | ratio | call µs (mean) | ratio | CPU µs/call | ratio | allocated B/call | to the sink B/call |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var variant in variants)
        {
            var baseline = variant.Name.EndsWith("SDK", StringComparison.Ordinal) ? variants[0] : variants[2];
            var mine = results[variant];
            var bare = results[baseline];
            string Cell(Func<RoundResult, double> pick, string format)
            {
                var value = Median(mine.Select(pick)).ToString(format, CultureInfo.InvariantCulture);
                return value;
            }

            string Ratio(Func<RoundResult, double> pick)
            {
                if (ReferenceEquals(variant, baseline))
                {
                    return "1";
                }

                var ratios = mine.Zip(bare, (m, b) => pick(m) / pick(b)).Order().ToArray();
                return string.Create(CultureInfo.InvariantCulture, $"{Median(ratios):F3} ({Quantile(ratios, 0.25):F2}–{Quantile(ratios, 0.75):F2})");
            }

            var head = streaming
                ? $"| {variant.Name} | {Cell(r => r.FirstUpdateMedian, "F1")} | {Ratio(r => r.FirstUpdateMedian)} | {Cell(r => r.WallMedian, "F1")} | {Ratio(r => r.WallMedian)}"
                : $"| {variant.Name} | {Cell(r => r.WallMedian, "F1")} | {Ratio(r => r.WallMedian)} | {Cell(r => r.WallMean, "F1")} | {Ratio(r => r.WallMean)}";
            Console.WriteLine($"{head} | {Cell(r => r.CpuPerCall, "F1")} | {Ratio(r => r.CpuPerCall)} | {Cell(r => r.AllocatedPerCall, "F0")} | {Cell(r => r.WireBytesPerCall, "F0")} |");
        }

        var zespan = results[variants[3]];
        var otel = results[variants[4]];
        var cpu = zespan.Zip(otel, (z, o) => z.CpuPerCall / o.CpuPerCall).Order().ToArray();
        var extraZespan = zespan.Zip(results[variants[2]], (z, b) => z.CpuPerCall - b.CpuPerCall).Order().ToArray();
        var extraOtel = otel.Zip(results[variants[2]], (o, b) => o.CpuPerCall - b.CpuPerCall).Order().ToArray();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"CPU per call, Zespan MEAI / MEAI+OTel: {Median(cpu):F3} ({Quantile(cpu, 0.25):F2}–{Quantile(cpu, 0.75):F2}); added over bare MEAI: Zespan {Median(extraZespan):F1} µs, MEAI+OTel {Median(extraOtel):F1} µs; flush at the end of a round: Zespan {Median(zespan.Select(r => r.FlushMicroseconds)):F0} µs, OTel {Median(otel.Select(r => r.FlushMicroseconds)):F0} µs; sink requests per round: Zespan {Median(zespan.Select(r => (double)r.SinkRequests)):F0}, OTel {Median(otel.Select(r => (double)r.SinkRequests)):F0}"));
        Console.WriteLine();
    }

    private static ChatClient OpenAiClient(IHttpClientFactory factory, string name, Uri url) =>
        new(Model, new ApiKeyCredential("sk-bench"), new OpenAIClientOptions
        {
            Endpoint = new Uri(url, "v1"),
            Transport = new HttpClientPipelineTransport(factory.CreateClient(name)),
        });

    private static async Task<IHost> StartHostAsync(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        configure(builder.Services);
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return host;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    private static double Median(IEnumerable<double> values) => Quantile(values.Order().ToArray(), 0.5);

    private static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    private enum Sink
    {
        None,
        Ingest,
        Otlp,
    }

    private readonly record struct RoundResult(
        double WallMedian,
        double WallMean,
        double FirstUpdateMedian,
        double CpuPerCall,
        double AllocatedPerCall,
        double FlushMicroseconds,
        double WireBytesPerCall,
        long SinkRequests);

    /// <summary>One way of making the same call: the request of <c>openai-chat.request.json</c> / <c>openai-chat-stream.request.json</c>.</summary>
    private sealed class Variant
    {
        private static readonly OpenAIChatMessage[] SdkMessages = [new UserChatMessage("hello")];
        private static readonly AiChatMessage[] AiMessages = [new(AiChatRole.User, "hello")];

        private Func<Task> _call = null!;
        private Func<Task<long>> _stream = null!;
        private Func<Task>? _flush;

        public string Name { get; private init; } = string.Empty;

        public Sink Sink { get; private init; }

        public static Variant Of(string name, ChatClient client, Func<Task>? flush, Sink sink) => new()
        {
            Name = name,
            Sink = sink,
            _flush = flush,
            _call = async () =>
            {
                var result = await client.CompleteChatAsync(SdkMessages, new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 10 }).ConfigureAwait(false);
                _ = result.Value.Content.Count;
            },
            _stream = async () =>
            {
                long first = 0;
                await foreach (var update in client.CompleteChatStreamingAsync(SdkMessages, new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 20 }).ConfigureAwait(false))
                {
                    if (first == 0)
                    {
                        first = Stopwatch.GetTimestamp();
                    }

                    _ = update.ContentUpdate.Count;
                }

                return first;
            },
        };

        public static Variant Of(string name, IChatClient client, Func<Task>? flush, Sink sink) => new()
        {
            Name = name,
            Sink = sink,
            _flush = flush,
            _call = async () =>
            {
                var response = await client.GetResponseAsync(AiMessages, new ChatOptions { Temperature = 0.5f, MaxOutputTokens = 10 }).ConfigureAwait(false);
                _ = response.Text;
            },
            _stream = async () =>
            {
                long first = 0;
                await foreach (var update in client.GetStreamingResponseAsync(AiMessages, new ChatOptions { Temperature = 0.5f, MaxOutputTokens = 20 }).ConfigureAwait(false))
                {
                    if (first == 0)
                    {
                        first = Stopwatch.GetTimestamp();
                    }

                    _ = update.Contents.Count;
                }

                return first;
            },
        };

        public Task CallAsync() => _call();

        /// <summary>Streams the whole response; returns the timestamp of the first update.</summary>
        public Task<long> StreamAsync() => _stream();

        public Task FlushAsync() => _flush?.Invoke() ?? Task.CompletedTask;

        public override string ToString() => Name;
    }

    /// <summary>The child process that runs <see cref="CallCostServers"/>.</summary>
    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http = new();

        private ServerProcess(Process process, Uri baseUrl, int streamEvents)
        {
            _process = process;
            BaseUrl = baseUrl;
            StreamEvents = streamEvents;
        }

        public Uri BaseUrl { get; }

        public int StreamEvents { get; }

        public static async Task<ServerProcess> StartAsync(string fixtures)
        {
            var host = Environment.ProcessPath!;
            var info = new ProcessStartInfo(host)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            {
                info.ArgumentList.Add(typeof(CallCostLoad).Assembly.Location);
            }

            info.ArgumentList.Add("cost-servers");
            info.ArgumentList.Add(fixtures);
            var process = Process.Start(info)!;
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    var events = CallCostServers.SplitEvents(await File.ReadAllTextAsync(Path.Combine(fixtures, "openai-chat-stream.sse")).ConfigureAwait(false)).Length;
                    return new ServerProcess(process, new Uri(line["ready ".Length..]), events);
                }
            }

            throw new InvalidOperationException("The server process ended before it was ready.");
        }

        public async Task<(long Bytes, long Requests)> SinkAsync(Sink sink)
        {
            if (sink == Sink.None)
            {
                return (0, 0);
            }

            var parts = (await _http.GetStringAsync(new Uri(BaseUrl, "stats")).ConfigureAwait(false)).Split(' ');
            var offset = sink == Sink.Ingest ? 0 : 2;
            return (long.Parse(parts[offset], CultureInfo.InvariantCulture), long.Parse(parts[offset + 1], CultureInfo.InvariantCulture));
        }

        public void Dispose()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }

            _process.Dispose();
            _http.Dispose();
        }
    }
}
