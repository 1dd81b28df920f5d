using Microsoft.Extensions.AI;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>The state of one call.</summary>
internal sealed class ChatCall
{
    public required IEnumerable<ChatMessage> Messages { get; set; }

    public IList<ChatMessage>? List { get; set; }

    public LlmMessage[]? Prompt { get; set; }

    public string? Provider { get; init; }

    public string? Model { get; init; }

    public bool StorePrompts { get; init; }

    public bool Stream { get; init; }

    public (bool Pre, bool Post, bool FailClosed)? Guard { get; init; }

    public ZespanEvent? Event { get; set; }

    public ZespanCallContext Context { get; set; } = null!;

    public ChatResponse? Response { get; set; }

    public Exception? Error { get; set; }

    public double? TimeToFirstToken { get; set; }

    public bool Delivered { get; set; }
}
