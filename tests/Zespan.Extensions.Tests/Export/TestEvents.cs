using System.Diagnostics;
using System.Text.Json.Nodes;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Export;

/// <summary>Realistic finished events for the export tests.</summary>
internal static class TestEvents
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 22, 59, 58, 123, TimeSpan.Zero);

    public static ZespanEvent Create(string name = "openai.chat.completions", int promptChars = 200) => new()
    {
        TraceId = ActivityTraceId.CreateRandom(),
        SpanId = ActivitySpanId.CreateRandom(),
        LogType = LogTypes.Generation,
        Name = name,
        StartTime = Start,
        EndTime = Start.AddMilliseconds(1234.5),
        Latency = 1.2345,
        StatusCode = 200,
        Environment = "test",
        Provider = "openai",
        Model = "gpt-4o",
        ResponseModel = "gpt-4o-2024-08-06",
        PromptMessages =
        [
            new LlmMessage("system", "You are a helpful support assistant."),
            new LlmMessage("user", "Where is my order? " + new string('x', promptChars)),
        ],
        CompletionMessage = new LlmMessage("assistant", "Your order left the warehouse this morning."),
        FinishReason = "stop",
        PromptTokens = 42,
        CompletionTokens = 11,
        TotalTokens = 53,
        Cost = 0.000215,
        CustomerIdentifier = "user-1",
        ThreadIdentifier = "session-1",
        Tags = new Dictionary<string, string> { ["team"] = "support" },
        Metadata = new Dictionary<string, JsonNode?> { ["order_id"] = 1234, ["region"] = "eu" },
    };

    public static ZespanEvent[] Many(int count, string prefix = "e", int promptChars = 200)
    {
        var events = new ZespanEvent[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = Create(prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture), promptChars);
        }

        return events;
    }
}
