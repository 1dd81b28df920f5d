using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// A cheap estimate of the memory one waiting event holds, for the queue's byte budget: a fixed part for the object
/// and its small fields, plus two bytes per character of its text (messages, tool calls, tags, metadata, tool
/// arguments and results). Runs on the app's thread at admission: no allocation, a bounded walk of JSON values.
/// The raw captured bodies of an event not yet parsed are added by the queue (<see cref="IEventCapture.HeldBytes"/>).
/// </summary>
internal static class EventSizeEstimator
{
    /// <summary>The object, its ids, times, numbers and short strings.</summary>
    public const long FixedBytes = 512;

    private const int MaxDepth = 4;
    private const long NodeBytes = 32;

    /// <summary>Estimates the bytes <paramref name="item"/> holds, not counting a pending capture.</summary>
    public static long Estimate(ZespanEvent item)
    {
        long bytes = FixedBytes + Text(item.Name);
        if (item.PromptMessages is { } prompt)
        {
            for (var i = 0; i < prompt.Count; i++)
            {
                bytes += Message(prompt[i]);
            }
        }

        if (item.CompletionMessage is { } completion)
        {
            bytes += Message(completion);
        }

        if (item.Error is { } error)
        {
            bytes += Text(error.Type) + Text(error.Message);
        }

        if (item.Metadata is { } metadata)
        {
            foreach (var pair in metadata)
            {
                bytes += NodeBytes + Text(pair.Key) + Node(pair.Value, 0);
            }
        }

        if (item.Tool is { } tool)
        {
            bytes += Text(tool.Name) + Node(tool.Arguments, 0) + Node(tool.Result, 0);
        }

        if (item.Plan is { } plan)
        {
            for (var i = 0; i < plan.Count; i++)
            {
                bytes += NodeBytes + Text(plan[i]);
            }
        }

        return bytes;
    }

    private static long Message(LlmMessage message)
    {
        var bytes = NodeBytes + Text(message.Content) + Text(message.ToolCallId);
        if (message.ToolCalls is { } calls)
        {
            for (var i = 0; i < calls.Count; i++)
            {
                bytes += NodeBytes + Text(calls[i].Id) + Text(calls[i].Name) + Text(calls[i].Arguments);
            }
        }

        return bytes;
    }

    private static long Text(string? value) => value is null ? 0 : 2L * value.Length;

    private static long Node(JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                return 0;
            case JsonValue value:
                return value.TryGetValue<string>(out var text) ? NodeBytes + Text(text) : NodeBytes;
            case JsonObject obj when depth < MaxDepth:
                long objectBytes = NodeBytes;
                foreach (var pair in obj)
                {
                    objectBytes += Text(pair.Key) + Node(pair.Value, depth + 1);
                }

                return objectBytes;
            case JsonArray array when depth < MaxDepth:
                long arrayBytes = NodeBytes;
                for (var i = 0; i < array.Count; i++)
                {
                    arrayBytes += Node(array[i], depth + 1);
                }

                return arrayBytes;
            case JsonObject obj:
                return NodeBytes * (obj.Count + 1);
            case JsonArray array:
                return NodeBytes * (array.Count + 1);
            default:
                return NodeBytes;
        }
    }
}
