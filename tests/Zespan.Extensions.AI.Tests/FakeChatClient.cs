using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Zespan.Extensions.AI.Tests;

/// <summary>
/// A hand-written inner <see cref="IChatClient"/>: answers with a fixed response (or streams fixed updates),
/// records what it was sent, and can throw or wait for a signal between updates.
/// </summary>
internal sealed class FakeChatClient : IChatClient
{
    private readonly ChatClientMetadata _metadata;

    public FakeChatClient(string? providerName = "openai", string? defaultModelId = "gpt-4o-mini")
    {
        _metadata = new ChatClientMetadata(providerName, new Uri("https://llm.invalid/"), defaultModelId);
    }

    /// <summary>Gets or sets the non-streaming answer.</summary>
    public ChatResponse Response { get; set; } = new(new ChatMessage(ChatRole.Assistant, "Hello there!"))
    {
        ModelId = "gpt-4o-mini-2024-07-18",
        FinishReason = ChatFinishReason.Stop,
        Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 5, TotalTokenCount = 17, CachedInputTokenCount = 4 },
    };

    /// <summary>Gets or sets the streamed updates.</summary>
    public IReadOnlyList<ChatResponseUpdate> Updates { get; set; } = DefaultUpdates();

    /// <summary>Gets or sets the exception to throw (instead of answering).</summary>
    public Exception? Throw { get; set; }

    /// <summary>Gets or sets the exception to throw after this many streamed updates.</summary>
    public (int After, Exception Exception)? ThrowDuringStream { get; set; }

    /// <summary>Gets or sets a gate the stream waits on before each update after the first (null: no waiting).</summary>
    public Func<int, Task>? BeforeUpdate { get; set; }

    /// <summary>Gets the message lists received, one per call.</summary>
    public List<List<ChatMessage>> Calls { get; } = [];

    /// <summary>Gets the number of updates handed out so far.</summary>
    public int UpdatesSent { get; private set; }

    /// <summary>Gets a value indicating whether the last stream was disposed.</summary>
    public bool StreamDisposed { get; private set; }

    public static List<ChatResponseUpdate> DefaultUpdates() =>
    [
        new(ChatRole.Assistant, "Hel") { ModelId = "gpt-4o-mini-2024-07-18", MessageId = "m1" },
        new(ChatRole.Assistant, "lo") { ModelId = "gpt-4o-mini-2024-07-18", MessageId = "m1" },
        new(ChatRole.Assistant, "!") { ModelId = "gpt-4o-mini-2024-07-18", MessageId = "m1", FinishReason = ChatFinishReason.Stop },
        new(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 9, OutputTokenCount = 3, TotalTokenCount = 12 })]) { MessageId = "m1" },
    ];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls.Add([.. messages]);
        cancellationToken.ThrowIfCancellationRequested();
        if (Throw is { } exception)
        {
            return Task.FromException<ChatResponse>(exception);
        }

        return Task.FromResult(Response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Add([.. messages]);
        StreamDisposed = false;
        try
        {
            if (Throw is { } exception)
            {
                throw exception;
            }

            for (var i = 0; i < Updates.Count; i++)
            {
                if (ThrowDuringStream is { } failure && failure.After == i)
                {
                    throw failure.Exception;
                }

                if (i > 0 && BeforeUpdate is { } gate)
                {
                    await gate(i).WaitAsync(cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                UpdatesSent++;
                yield return Updates[i];
            }
        }
        finally
        {
            StreamDisposed = true;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
