using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions;
using Zespan.Extensions.AI;

namespace Zespan.Benchmarks;

/// <summary>
/// The cost the IChatClient middleware adds on the app's thread: one call (two messages, a response with
/// usage) and one stream of 20 updates, through an inner client that answers at once, bare and wrapped
/// (recording, and with Zespan disabled). Events go to the stand-in queue (see <see cref="TracingBenchmarks"/>).
/// Run: dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- --filter '*ChatClientBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class ChatClientBenchmarks
{
    private readonly List<ChatMessage> _messages =
    [
        new(ChatRole.System, "You are a helpful assistant."),
        new(ChatRole.User, "What is the capital of France?"),
    ];

    private InstantChatClient _inner = null!;
    private ServiceProvider _recording = null!;
    private ServiceProvider _disabled = null!;
    private IChatClient _wrapped = null!;
    private IChatClient _wrappedDisabled = null!;

    [GlobalSetup]
    public void Setup()
    {
        _inner = new InstantChatClient();
        _recording = Build(new StandInEventQueue(), static _ => { });
        _disabled = Build(new StandInEventQueue(), static o => o.Enabled = false);
        _wrapped = _inner.WithZespan(_recording);
        _wrappedDisabled = _inner.WithZespan(_disabled);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recording.Dispose();
        _disabled.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare GetResponseAsync")]
    public Task<ChatResponse> Bare() => _inner.GetResponseAsync(_messages);

    [Benchmark(Description = "Zespan GetResponseAsync")]
    public Task<ChatResponse> Wrapped() => _wrapped.GetResponseAsync(_messages);

    [Benchmark(Description = "Zespan disabled GetResponseAsync")]
    public Task<ChatResponse> WrappedDisabled() => _wrappedDisabled.GetResponseAsync(_messages);

    [Benchmark(Description = "bare stream, 20 updates")]
    public Task<int> BareStream() => DrainAsync(_inner);

    [Benchmark(Description = "Zespan stream, 20 updates")]
    public Task<int> WrappedStream() => DrainAsync(_wrapped);

    private static ServiceProvider Build(StandInEventQueue queue, Action<ZespanOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddZespan(o =>
        {
            o.ApiKey = "zsp_benchmark";
            o.DisableConfigSync = true;
            configure(o);
        });
        services.AddSingleton<Zespan.Extensions.Export.Internal.IZespanEventQueue>(queue);
        return services.BuildServiceProvider();
    }

    private async Task<int> DrainAsync(IChatClient client)
    {
        var count = 0;
        await foreach (var update in client.GetStreamingResponseAsync(_messages).ConfigureAwait(false))
        {
            count += update.Contents.Count;
        }

        return count;
    }

    /// <summary>An inner client that answers at once with preallocated objects.</summary>
    private sealed class InstantChatClient : IChatClient
    {
        private static readonly ChatClientMetadata Metadata = new("openai", new Uri("https://api.openai.com/"), "gpt-4o-mini");

        private readonly Task<ChatResponse> _response = Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "The capital of France is Paris."))
        {
            ModelId = "gpt-4o-mini-2024-07-18",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 24, OutputTokenCount = 8, TotalTokenCount = 32 },
        });

        private readonly ChatResponseUpdate[] _updates = CreateUpdates();

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => _response;

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            foreach (var update in _updates)
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(ChatClientMetadata) ? Metadata : null;

        public void Dispose()
        {
        }

        private static ChatResponseUpdate[] CreateUpdates()
        {
            var updates = new ChatResponseUpdate[20];
            for (var i = 0; i < 19; i++)
            {
                updates[i] = new ChatResponseUpdate(ChatRole.Assistant, "word ") { ModelId = "gpt-4o-mini-2024-07-18" };
            }

            updates[19] = new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 24, OutputTokenCount = 19 })])
            {
                FinishReason = ChatFinishReason.Stop,
            };
            return updates;
        }
    }
}
