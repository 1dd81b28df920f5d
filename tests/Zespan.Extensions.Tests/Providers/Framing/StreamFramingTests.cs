using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net.ServerSentEvents;
using System.Text;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

internal sealed class CollectingHandler : IStreamEventHandler
{
    public List<(string Type, string Data)> Events { get; } = [];

    public void OnEvent(ReadOnlySpan<byte> eventType, ReadOnlyMemory<byte> data) =>
        Events.Add((Encoding.UTF8.GetString(eventType), Encoding.UTF8.GetString(data.Span)));
}

/// <summary>The AWS event stream's CRC-32 (System.IO.Hashing's <see cref="Crc32"/>, IEEE 802.3) as the decoder uses it.</summary>
public class Crc32Tests
{
    [Fact]
    public void Compute_CheckString_IsCbf43926()
    {
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Assert.Equal(0u, Crc32.HashToUInt32([]));
    }

    [Fact]
    public void Append_InPieces_EqualsWhole()
    {
        var data = Fixtures.Bytes("bedrock-converse-stream.bin");
        var crc = new Crc32();
        crc.Append(data.AsSpan(0, 100));
        crc.Append(data.AsSpan(100));
        Assert.Equal(Crc32.HashToUInt32(data), crc.GetCurrentHashAsUInt32());
    }

    [Fact]
    public void Compute_FixturePrelude_MatchesItsChecksum()
    {
        var data = Fixtures.Bytes("bedrock-converse-stream.bin");
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8)), Crc32.HashToUInt32(data.AsSpan(0, 8)));
    }
}

public class SseReaderTests
{
    private static List<(string Type, string Data)> Parse(byte[] bytes, int chunk)
    {
        var handler = new CollectingHandler();
        using var reader = new SseReader(handler);
        for (var i = 0; i < bytes.Length; i += Math.Max(1, chunk))
        {
            reader.Feed(bytes.AsSpan(i, Math.Min(Math.Max(1, chunk), bytes.Length - i)));
        }

        reader.Complete();
        return handler.Events;
    }

    public static TheoryData<string> SseFixtures => new()
    {
        "openai-chat-stream.sse", "openai-chat-toolcall-stream.sse", "openai-responses-stream.sse", "anthropic-stream.sse",
        "anthropic-stream-tooluse.sse", "gemini-stream.sse", "gemini-stream-thinking-functioncall.sse", "mistral-chat-stream.sse",
        "groq-stream.sse", "openrouter-stream.sse",
    };

    [Theory]
    [MemberData(nameof(SseFixtures))]
    public async Task Feed_EveryFixtureAtEverySplit_MatchesSystemNetServerSentEvents(string name)
    {
        var bytes = Fixtures.Bytes(name);
        var expected = new List<(string, string)>();
        await foreach (var item in SseParser.Create(new MemoryStream(bytes)).EnumerateAsync())
        {
            expected.Add((item.EventType == SseParser.EventTypeDefault ? string.Empty : item.EventType, item.Data));
        }

        Assert.NotEmpty(expected);
        foreach (var chunk in new[] { 1, 2, 3, 5, 17, 100, bytes.Length })
        {
            Assert.Equal(expected, Parse(bytes, chunk));
        }
    }

    [Fact]
    public void Feed_CommentsCrLfCrAndMultiLineData_FollowsTheRules()
    {
        var bytes = "\uFEFF: keep-alive\r\nevent: a\r\ndata: one\r\ndata:two\r\n\r\n: OPENROUTER PROCESSING\n\ndata: three\rdata:  four\r\r   \nid: 7\nretry: 10\ndata\n\n"u8.ToArray();
        foreach (var chunk in new[] { 1, 2, 4, bytes.Length })
        {
            Assert.Equal(
                [("a", "one\ntwo"), (string.Empty, "three\n four"), (string.Empty, string.Empty)],
                Parse(bytes, chunk));
        }
    }

    [Fact]
    public void Complete_LastEventWithoutBlankLine_IsDispatched()
    {
        Assert.Equal([(string.Empty, "[DONE]")], Parse("data: [DONE]"u8.ToArray(), 3));
    }

    [Fact]
    public void Feed_OverlongLine_IsDroppedAndCounted()
    {
        var handler = new CollectingHandler();
        using var reader = new SseReader(handler);
        var big = new byte[1024 * 1024];
        Array.Fill(big, (byte)'x');
        reader.Feed("data: "u8);
        for (var i = 0; i < 17; i++)
        {
            reader.Feed(big);
        }

        reader.Feed("\n\ndata: ok\n\n"u8);
        reader.Complete();

        Assert.Equal(1, reader.DroppedLines);
        Assert.Equal([(string.Empty, "ok")], handler.Events);
    }
}

public class JsonArrayStreamReaderTests
{
    [Fact]
    public void Feed_StreamedArrayAtEverySplit_YieldsEachElement()
    {
        var bytes = "[{\"a\":\"x]}\\\"{\",\"b\":[1,{\"c\":2}]}\r\n,\r\n{\"d\":\"\\\\\"}\n]"u8.ToArray();
        for (var chunk = 1; chunk <= bytes.Length; chunk++)
        {
            var handler = new CollectingHandler();
            using var reader = new JsonArrayStreamReader(handler);
            for (var i = 0; i < bytes.Length; i += chunk)
            {
                reader.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
            }

            Assert.Equal(["{\"a\":\"x]}\\\"{\",\"b\":[1,{\"c\":2}]}", "{\"d\":\"\\\\\"}"], handler.Events.Select(e => e.Data));
        }
    }

    [Fact]
    public void Feed_SingleErrorObject_YieldsIt()
    {
        var handler = new CollectingHandler();
        using var reader = new JsonArrayStreamReader(handler);
        reader.Feed(Fixtures.Bytes("gemini-error-404.json"));

        Assert.Contains("NOT_FOUND", Assert.Single(handler.Events).Data, StringComparison.Ordinal);
    }
}

public class AwsEventStreamDecoderTests
{
    private sealed class Collector : IEventStreamHandler
    {
        public List<(string MessageType, string EventType, string ExceptionType, string Payload)> Messages { get; } = [];

        public void OnMessage(in EventStreamMessage message) => Messages.Add((
            Encoding.UTF8.GetString(message.MessageType),
            Encoding.UTF8.GetString(message.EventType),
            Encoding.UTF8.GetString(message.ExceptionType),
            Encoding.UTF8.GetString(message.Payload)));
    }

    private static (Collector Collector, AwsEventStreamDecoder Decoder) Decode(byte[] bytes, IEnumerable<int> splits)
    {
        var collector = new Collector();
        var decoder = new AwsEventStreamDecoder(collector);
        var position = 0;
        foreach (var size in splits)
        {
            if (position >= bytes.Length)
            {
                break;
            }

            var take = Math.Min(size, bytes.Length - position);
            decoder.Feed(bytes.AsSpan(position, take));
            position += take;
        }

        decoder.Feed(bytes.AsSpan(position));
        decoder.Complete();
        return (collector, decoder);
    }

    private static IEnumerable<int> Ones() => Enumerable.Repeat(1, int.MaxValue);

    [Fact]
    public void Feed_WholeFixture_MatchesEventsJsonl()
    {
        var (collector, decoder) = Decode(Fixtures.Bytes("bedrock-converse-stream.bin"), []);
        var expected = File.ReadAllLines(Fixtures.PathOf("bedrock-converse-stream.events.jsonl"))
            .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!)
            .ToList();

        Assert.Equal(expected.Count, collector.Messages.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal("event", collector.Messages[i].MessageType);
            Assert.Equal((string)expected[i][":event-type"]!, collector.Messages[i].EventType);
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected[i]["payload"], System.Text.Json.Nodes.JsonNode.Parse(collector.Messages[i].Payload)));
        }

        Assert.Equal(0, decoder.CrcErrors);
        Assert.Null(decoder.Problem);
    }

    [Theory]
    [InlineData("bedrock-converse-stream.bin")]
    [InlineData("bedrock-converse-stream-tooluse.bin")]
    [InlineData("bedrock-converse-stream-exception.bin")]
    [InlineData("bedrock-invoke-stream.bin")]
    public void Feed_OneByteAtATimeAndRandomSplits_DecodesTheSameMessages(string name)
    {
        var bytes = Fixtures.Bytes(name);
        var whole = Decode(bytes, []).Collector.Messages;
        Assert.NotEmpty(whole);

        Assert.Equal(whole, Decode(bytes, Ones()).Collector.Messages);
        var random = new Random(20261121);
        for (var round = 0; round < 50; round++)
        {
            var splits = Enumerable.Range(0, bytes.Length).Select(_ => random.Next(1, 64)).ToList();
            var (collector, decoder) = Decode(bytes, splits);
            Assert.Equal(whole, collector.Messages);
            Assert.Null(decoder.Problem);
        }
    }

    [Fact]
    public void Feed_ExceptionFrame_CarriesExceptionType()
    {
        var messages = Decode(Fixtures.Bytes("bedrock-converse-stream-exception.bin"), []).Collector.Messages;

        Assert.Equal(2, messages.Count);
        Assert.Equal(("exception", string.Empty, "throttlingException"), (messages[1].MessageType, messages[1].EventType, messages[1].ExceptionType));
        Assert.Contains("Too many requests", messages[1].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public void Feed_FlippedPayloadByte_SkipsThatMessageAndRecordsCrcError()
    {
        var bytes = Fixtures.Bytes("bedrock-converse-stream.bin");
        var first = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes);
        bytes[first + 100] ^= 0x40;
        var (collector, decoder) = Decode(bytes, Ones());

        Assert.Equal(5, collector.Messages.Count);
        Assert.DoesNotContain(collector.Messages, m => m.Payload.Contains("\"Hello\"", StringComparison.Ordinal));
        Assert.Equal(1, decoder.CrcErrors);
        Assert.Equal($"event stream message CRC mismatch at offset {first}", decoder.Problem);
        Assert.False(decoder.Corrupt);
    }

    [Fact]
    public void Feed_FlippedPreludeByte_StopsWithoutThrowing()
    {
        var bytes = Fixtures.Bytes("bedrock-converse-stream.bin");
        var first = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes);
        bytes[first + 2] ^= 0x01; // second message's total length
        var (collector, decoder) = Decode(bytes, [7, 13, 200]);

        Assert.Single(collector.Messages);
        Assert.True(decoder.Corrupt);
        Assert.Equal($"event stream prelude CRC mismatch at offset {first}", decoder.Problem);
    }

    [Fact]
    public void Complete_InsideAMessage_RecordsLeftOverBytes()
    {
        var bytes = Fixtures.Bytes("bedrock-converse-stream.bin");
        var (collector, decoder) = Decode(bytes[..^10], []);

        Assert.Equal(5, collector.Messages.Count);
        Assert.True(decoder.TrailingBytes > 0);
        Assert.StartsWith("event stream ended inside a message", decoder.Problem, StringComparison.Ordinal);
    }
}
