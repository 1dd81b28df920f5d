using System.Text;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// The stream accumulator reads common chunks in one reader pass and everything else as a document. Each case
/// runs a chunk sequence twice: as given, and with <c>"x_groq":null</c> added to every chunk, which changes
/// nothing in the event but sends every chunk down the document path; both must give the same event.
/// </summary>
public class OpenAIChatStreamReaderTests
{
    private const string Model = "\"model\":\"gpt-4o-mini-2024-07-18\"";

    public static TheoryData<string, string[]> Streams => new()
    {
        { "text", [Chunk("\"content\":\"Hel\""), Chunk("\"content\":\"lo\""), Finish("stop")] },
        { "escapes", [Chunk("\"content\":\"caf\\u00e9 \\\"quoted\\\"\\n\\ud83d\\ude00\""), Finish("stop")] },
        { "long text", [Chunk("\"content\":\"" + new string('a', 300) + "\\n" + new string('b', 40) + "\""), Finish("length")] },
        { "role then text", [Chunk("\"role\":\"assistant\",\"content\":\"\""), Chunk("\"content\":\"ok\"")] },
        { "null content and refusal", [Chunk("\"content\":null,\"refusal\":\"I can't help with that.\""), Finish("stop")] },
        { "index after delta", ["{\"choices\":[{\"delta\":{\"content\":\"x\"},\"index\":0}]}"] },
        { "other choice", ["{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"ignored\"},\"finish_reason\":\"stop\"}]}", Chunk("\"content\":\"kept\"")] },
        { "two choices", ["{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"b\"}},{\"index\":0,\"delta\":{\"content\":\"a\"}}]}"] },
        { "repeated content", ["{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"first\",\"content\":\"last\"}}]}"] },
        { "repeated model", ["{\"model\":\"a\",\"model\":\"b\",\"choices\":[]}"] },
        { "usage null", ["{" + Model + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"u\"}}],\"usage\":null}"] },
        { "usage chunk", [Chunk("\"content\":\"u\""), "{" + Model + ",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":2,\"total_tokens\":10}}"] },
        { "empty tool calls", [Chunk("\"content\":\"t\",\"tool_calls\":[]")] },
        { "tool calls", [Chunk("\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]"), Chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]"), Finish("tool_calls")] },
        { "content parts", [Chunk("\"content\":[{\"type\":\"text\",\"text\":\"parts\"}]")] },
        { "embedded error", ["{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"] },
        { "error null", ["{\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"e\"}}]}"] },
        { "numeric string index", ["{\"choices\":[{\"index\":\"0\",\"delta\":{\"content\":\"s\"}}]}"] },
        { "non-object choice and delta", ["{\"choices\":[1,{\"index\":0,\"delta\":\"text\"}]}", Chunk("\"content\":\"after\"")] },
        { "comments and trailing commas", ["{/* c */\"choices\":[{\"index\":0,\"delta\":{\"content\":\"c\",},},],}"] },
        { "not json", ["{\"choices\":[", Chunk("\"content\":\"valid\"")] },
        { "trailing data", [Chunk("\"content\":\"one\"") + " {}", Chunk("\"content\":\"two\"")] },
        { "not an object", ["[1,2]", "\"text\"", Chunk("\"content\":\"z\"")] },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void OnEvent_ReaderPassAndDocument_GiveTheSameEvent(string name, string[] chunks)
    {
        Assert.NotEmpty(name);
        foreach (var storePrompts in new[] { true, false })
        {
            foreach (var budget in new[] { 262_144, 5 })
            {
                var (fast, fastChunks, fastTruncated) = Run(chunks, storePrompts, budget, viaDocument: false);
                var (slow, slowChunks, slowTruncated) = Run(chunks, storePrompts, budget, viaDocument: true);
                Assert.Equal(slowChunks, fastChunks);
                Assert.Equal(slowTruncated, fastTruncated);
                Assert.Equal(slow.ResponseModel, fast.ResponseModel);
                Assert.Equal(slow.FinishReason, fast.FinishReason);
                Assert.Equal(slow.Error, fast.Error);
                Assert.Equal(slow.PromptTokens, fast.PromptTokens);
                Assert.Equal(slow.CompletionMessage?.Content, fast.CompletionMessage?.Content);
                Assert.Equal(slow.CompletionMessage?.ToolCalls?.Count, fast.CompletionMessage?.ToolCalls?.Count);
                Assert.Equal(slow.CompletionMessage is null, fast.CompletionMessage is null);
            }
        }
    }

    [Fact]
    public void OnEvent_TextChunks_RebuildsTheTextModelAndFinishReason()
    {
        var (evt, chunks, _) = Run([Chunk("\"content\":\"caf\\u00e9 \""), Chunk("\"content\":\"ok\""), Finish("stop"), "[DONE]"], storePrompts: true, 262_144, viaDocument: false);

        Assert.Equal(3, chunks);
        Assert.Equal("café ok", evt.CompletionMessage?.Content);
        Assert.Equal("gpt-4o-mini-2024-07-18", evt.ResponseModel);
        Assert.Equal("stop", evt.FinishReason);
    }

    private static string Chunk(string delta) =>
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\"," + Model + ",\"choices\":[{\"index\":0,\"delta\":{" + delta + "},\"logprobs\":null,\"finish_reason\":null}]}";

    private static string Finish(string reason) =>
        "{\"id\":\"chatcmpl-1\"," + Model + ",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}";

    private static (ZespanEvent Event, int Chunks, bool Truncated) Run(string[] chunks, bool storePrompts, int budget, bool viaDocument)
    {
        var context = new ParseContext(storePrompts, budget);
        var accumulator = new OpenAIChatParser.StreamAccumulator(context);
        foreach (var chunk in chunks)
        {
            var data = viaDocument ? WithGroqMarker(chunk) : chunk;
            accumulator.OnEvent("message"u8, Encoding.UTF8.GetBytes(data));
        }

        var evt = new ZespanEvent();
        accumulator.Complete(evt);
        return (evt, accumulator.Chunks, context.Truncated);
    }

    // A property the document path reads (and finds null, so it changes nothing) and the reader pass declines.
    private static string WithGroqMarker(string chunk)
    {
        var trimmed = chunk.TrimStart();
        return trimmed.StartsWith('{') && !trimmed.StartsWith("{}", StringComparison.Ordinal) ? "{\"x_groq\":null," + trimmed[1..] : chunk;
    }
}
