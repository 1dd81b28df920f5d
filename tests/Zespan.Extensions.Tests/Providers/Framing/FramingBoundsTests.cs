using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// Every framing reader is bounded: past its bound the event is marked truncated, the caller's bytes are unchanged,
/// and the memory the reader holds stays under the bound however long the hostile input runs.
/// </summary>
public class FramingBoundsTests
{
    private const int Chunk = 64 * 1024;

    [Fact]
    public void SseReader_DataLinesWithoutBlankLine_EventDroppedAndMemoryBounded()
    {
        var handler = new CollectingHandler();
        using var reader = new SseReader(handler);
        var line = Encoding.UTF8.GetBytes("data: " + new string('x', 1018) + "\n");
        long peak = 0;
        for (var i = 0; i < 20 * 1024; i++)
        {
            reader.Feed(line);
            peak = Math.Max(peak, reader.BufferedBytes);
        }

        reader.Feed("\ndata: ok\n\n"u8);
        reader.Complete();

        Assert.Equal(1, reader.DroppedEvents);
        Assert.Equal([(string.Empty, "ok")], handler.Events);
        Assert.True(peak <= SseReader.MaxEventBytes + line.Length, $"held {peak} bytes");
    }

    [Fact]
    public void JsonArrayStreamReader_ElementNeverClosed_DroppedAtCompleteAndMemoryBounded()
    {
        var handler = new CollectingHandler();
        using var reader = new JsonArrayStreamReader(handler);
        var piece = Encoding.UTF8.GetBytes(new string('x', Chunk));
        reader.Feed("[{\"candidates\":\""u8);
        long peak = 0;
        for (var i = 0; i < 18 * 16; i++)
        {
            reader.Feed(piece);
            peak = Math.Max(peak, reader.BufferedBytes);
        }

        reader.Complete();

        Assert.Equal(1, reader.DroppedElements);
        Assert.Empty(handler.Events);
        Assert.True(peak <= JsonArrayStreamReader.MaxElementBytes, $"held {peak} bytes");
    }

    [Fact]
    public void AwsEventStreamDecoder_MessageOverBound_SkippedUnbufferedAndDecodingGoesOn()
    {
        var fixture = Fixtures.Bytes("bedrock-converse-stream.bin");
        var bytes = OversizedMessage(AwsEventStreamDecoder.MaxMessageLength + 100_000).Concat(fixture).ToArray();
        var messages = 0;
        using var decoder = new AwsEventStreamDecoder(new CountingHandler(() => messages++));
        long peak = 0;
        for (var i = 0; i < bytes.Length; i += Chunk)
        {
            decoder.Feed(bytes.AsSpan(i, Math.Min(Chunk, bytes.Length - i)));
            peak = Math.Max(peak, decoder.BufferedBytes);
        }

        decoder.Complete();

        Assert.Equal(1, decoder.DroppedMessages);
        Assert.False(decoder.Corrupt);
        Assert.Equal(CountMessages(fixture), messages);
        Assert.True(peak <= Chunk, $"held {peak} bytes");
    }

    public static TheoryData<string> Streams() => new() { "sse", "json-array", "event-stream" };

    [Theory]
    [MemberData(nameof(Streams))]
    public void Capture_StreamPastItsFramingBound_CallerBytesUnchangedAndEventTruncated(string framing)
    {
        var (call, body) = framing switch
        {
            "sse" => (new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions") { ContentType = "text/event-stream" },
                HugeSseEvent().Concat(Fixtures.Bytes("openai-chat-stream.sse")).ToArray()),
            "json-array" => (new FixtureCall(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent") { ContentType = "application/json" },
                Encoding.UTF8.GetBytes("[{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]}}]},\r\n{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + new string('x', JsonArrayStreamReader.MaxElementBytes))),
            _ => (new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream") { ContentType = "application/vnd.amazon.eventstream" },
                OversizedMessage(AwsEventStreamDecoder.MaxMessageLength + 10).Concat(Fixtures.Bytes("bedrock-converse-stream.bin")).ToArray()),
        };
        call.Response = body;
        call.ReadSize = Chunk;

        var evt = call.Run(out var passed);

        Assert.Equal(SHA256.HashData(body), SHA256.HashData(passed));
        Assert.True(evt.Truncated);
        // What precedes or follows the oversized part is still read.
        Assert.NotNull(evt.CompletionMessage?.Content);
    }

    /// <summary>One SSE event whose data lines add up to more than <see cref="SseReader.MaxEventBytes"/>.</summary>
    private static byte[] HugeSseEvent()
    {
        var builder = new StringBuilder();
        var line = "data: " + new string('x', 4090) + "\n";
        while (builder.Length <= SseReader.MaxEventBytes + 200_000)
        {
            builder.Append(line);
        }

        return Encoding.UTF8.GetBytes(builder.Append('\n').ToString());
    }

    /// <summary>An event-stream message with a valid prelude that claims <paramref name="total"/> bytes, followed by that many.</summary>
    private static byte[] OversizedMessage(int total)
    {
        var bytes = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Crc32.Compute(bytes.AsSpan(0, 8)));
        return bytes;
    }

    private static int CountMessages(byte[] stream)
    {
        var count = 0;
        using var decoder = new AwsEventStreamDecoder(new CountingHandler(() => count++));
        decoder.Feed(stream);
        decoder.Complete();
        return count;
    }

    private sealed class CountingHandler(Action onMessage) : IEventStreamHandler
    {
        public void OnMessage(in EventStreamMessage message) => onMessage();
    }
}
