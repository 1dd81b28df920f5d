using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;
using Zespan.Extensions;

namespace Zespan.Benchmarks;

/// <summary>
/// Which gzip level the ingest body should use: real ingest batches (the JSON the SDK's batch writer produced for
/// calls through the real OpenAI SDK and Zespan's handler, serving the recorded fixtures, default options: up to 50
/// events a batch), captured by a loopback backend and inflated, are compressed again at each level the way
/// <c>IngestBatchWriter.BuildBody</c> does (one <see cref="GZipStream"/> write of the whole JSON), interleaved in rounds;
/// per batch: the bytes on the wire and the CPU time.
/// Run: <c>dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- gzip [--calls 1000] [--rounds 15]</c>.
/// </summary>
internal static class GzipLevelLoad
{
    private static readonly CompressionLevel[] Levels = [CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize];

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = Arg(args, "--calls", 1_000);
        var rounds = Arg(args, "--rounds", 15);
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "providers");
        Console.WriteLine($"date {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}; load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");

        var completion = await File.ReadAllBytesAsync(Path.Combine(fixtures, "openai-chat.json")).ConfigureAwait(false);
        var stream = CallCostServers.SplitEvents(await File.ReadAllTextAsync(Path.Combine(fixtures, "openai-chat-stream.sse")).ConfigureAwait(false));
        var bodies = new ConcurrentQueue<byte[]>();
        var (app, url) = await BenchmarkServers.StartAsync(async context =>
        {
            var path = context.Request.Path.Value ?? string.Empty;
            if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                await CallCostServers.ServeChatAsync(context, completion, stream).ConfigureAwait(false);
                return;
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body).ConfigureAwait(false);
            if (path.EndsWith("/v1/ingest", StringComparison.Ordinal))
            {
                bodies.Enqueue(body.ToArray());
            }

            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("{\"accepted\":0}").ConfigureAwait(false);
        }).ConfigureAwait(false);

        List<byte[]> chatBatches;
        List<byte[]> streamBatches;
        List<byte[]> variedBatches;
        await using (app.ConfigureAwait(false))
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.Services.AddZespan(o =>
            {
                o.ApiKey = "zsp_bench_0123456789";
                o.BaseUrl = url;
                o.DisableConfigSync = true;
            });
            builder.Services.AddHttpClient("openai").AddZespanOpenAI();
            using var host = builder.Build();
            await host.StartAsync().ConfigureAwait(false);
            var client = new ChatClient("gpt-4o-mini", new ApiKeyCredential("sk-bench"), new OpenAIClientOptions
            {
                Endpoint = new Uri(url, "v1"),
                Transport = new HttpClientPipelineTransport(host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("openai")),
            });
            var zespan = host.Services.GetRequiredService<IZespanClient>();
            ChatMessage[] messages = [new UserChatMessage("hello")];
            for (var i = 0; i < calls; i++)
            {
                await client.CompleteChatAsync(messages, new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 10 }).ConfigureAwait(false);
            }

            await zespan.FlushAsync().ConfigureAwait(false);
            chatBatches = Inflate(bodies);
            for (var i = 0; i < calls; i++)
            {
                await foreach (var update in client.CompleteChatStreamingAsync(messages, new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 20 }).ConfigureAwait(false))
                {
                    _ = update.ContentUpdate.Count;
                }
            }

            await zespan.FlushAsync().ConfigureAwait(false);
            streamBatches = Inflate(bodies);

            // Recorded answers repeat exactly from call to call, which flatters every level: the same calls with a
            // system prompt and a different user prompt each (40-120 words drawn from a vocabulary of common words).
            var random = new Random(42);
            for (var i = 0; i < calls; i++)
            {
                ChatMessage[] varied = [new SystemChatMessage(SystemPrompt), new UserChatMessage(Prompt(random))];
                await client.CompleteChatAsync(varied, new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 10 }).ConfigureAwait(false);
            }

            await zespan.FlushAsync().ConfigureAwait(false);
            variedBatches = Inflate(bodies);
            await host.StopAsync().ConfigureAwait(false);
        }

        Measure("non-streaming calls (openai-chat.json)", chatBatches, rounds);
        Measure("streaming calls (openai-chat-stream.sse)", streamBatches, rounds);
        Measure("non-streaming calls with a system prompt and a different user prompt each", variedBatches, rounds);
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private const string SystemPrompt = "You are the support assistant of an online shop. Answer in two sentences at most, in the customer's language. Never promise a delivery date you cannot see in the order record.";

    private static readonly string[] Words = ("the of and to a in is it you that he was for on are with as I his they be at one have this from or had by " +
        "not word but what some we can out other were all there when up use your how said an each she which do their time if will way about many " +
        "then them write would like so these her long make thing see him two has look more day could go come did number sound no most people my " +
        "over know water than call first who may down side been now find any new work part take get place made live where after back little only " +
        "round man year came show every good me give our under name very through just form sentence great think say help low line differ turn cause " +
        "much mean before move right boy old too same tell does set three want air well also play small end put home read hand port large spell add " +
        "even land here must big high such follow act why ask men change went light kind off need house picture try us again animal point mother " +
        "world near build self earth father head stand own page should country found answer school grow study still learn plant cover food sun four " +
        "between state keep eye never last let thought city tree cross farm hard start might story saw far sea draw left late run order parcel refund " +
        "invoice shipped delivery address account password payment card").Split(' ');

    private static string Prompt(Random random)
    {
        var count = random.Next(40, 121);
        var builder = new System.Text.StringBuilder(count * 6);
        for (var i = 0; i < count; i++)
        {
            builder.Append(i == 0 ? string.Empty : " ").Append(Words[random.Next(Words.Length)]);
        }

        return builder.Append('?').ToString();
    }

    private static List<byte[]> Inflate(ConcurrentQueue<byte[]> bodies)
    {
        var batches = new List<byte[]>();
        while (bodies.TryDequeue(out var body))
        {
            using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
            using var json = new MemoryStream();
            gzip.CopyTo(json);
            batches.Add(json.ToArray());
        }

        return batches;
    }

    private static void Measure(string title, List<byte[]> batches, int rounds)
    {
        var json = batches.Sum(b => (long)b.Length);
        var results = Levels.ToDictionary(l => l, _ => new List<(double Cpu, double Wall)>());
        var sizes = new Dictionary<CompressionLevel, long>();
        using var output = new MemoryStream(1 << 20);
        for (var round = -2; round < rounds; round++)
        {
            for (var k = 0; k < Levels.Length; k++)
            {
                var level = Levels[(Math.Max(round, 0) + k) % Levels.Length];
                long compressed = 0;
                var cpu = Environment.CpuUsage.TotalTime;
                var start = Stopwatch.GetTimestamp();
                foreach (var batch in batches)
                {
                    output.SetLength(0);
                    using (var gzip = new GZipStream(output, level, leaveOpen: true))
                    {
                        gzip.Write(batch);
                    }

                    compressed += output.Length;
                }

                var wall = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batches.Count;
                var used = (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / batches.Count;
                sizes[level] = compressed;
                if (round >= 0)
                {
                    results[level].Add((used, wall));
                }
            }
        }

        var events = batches.Sum(b => System.Text.Json.JsonDocument.Parse(b).RootElement.GetProperty("events").GetArrayLength());
        var perBatch = (double)events / batches.Count;
        Console.WriteLine();
        Console.WriteLine($"## {title}: {batches.Count} batches of {perBatch:F1} events on average, {json / batches.Count:N0} B of JSON a batch ({json / (double)events:F0} B an event); medians of {rounds} rounds");
        Console.WriteLine("| level | B a batch on the wire | of the JSON | CPU µs a batch | wall µs a batch | CPU µs an event | MB/s of JSON |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var level in Levels)
        {
            var cpu = Median(results[level].Select(r => r.Cpu));
            var wall = Median(results[level].Select(r => r.Wall));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {level} | {sizes[level] / batches.Count:N0} | {100.0 * sizes[level] / json:F1} % | {cpu:F1} | {wall:F1} | {cpu / perBatch:F2} | {json / batches.Count / wall:F0} |"));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
