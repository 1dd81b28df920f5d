using System.IO.Compression;
using System.Text.Json.Nodes;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Tests.Export;

public class IngestBatchWriterTests
{
    [Theory]
    [InlineData(1, 2048)]
    [InlineData(2, 4096)]
    [InlineData(3, 16384)]
    public void TryAdd_RandomEventSizes_EveryBodyFitsMaxBatchBytesAndNoneCouldHoldOneMore(int seed, int maxBatchBytes)
    {
        var random = new Random(seed);
        using var writer = new IngestBatchWriter();
        writer.BeginPass("production", maxBatchBytes);
        var batches = 0;
        var events = 0;
        var tooLarge = 0;

        for (var i = 0; i < 400; i++)
        {
            var added = writer.TryAdd(TestEvents.Create("e" + i, promptChars: random.Next(0, 3000)), maxBatchBytes, out var bytes, out _);
            if (added == AddResult.TooLarge)
            {
                tooLarge++;
                Assert.True(writer.Overhead + bytes > maxBatchBytes);
                continue;
            }

            if (added == AddResult.Full)
            {
                var body = writer.BuildBody(0, writer.ReadyCount, Guid.NewGuid(), DateTimeOffset.UnixEpoch, long.MaxValue);
                Assert.True(body.UncompressedLength <= maxBatchBytes, $"{body.UncompressedLength} > {maxBatchBytes}");

                // Tight: with the widest dropped_since_last the body is exactly the bound the writer used,
                // and the event that did not fit would have crossed it.
                Assert.True(body.UncompressedLength + bytes + 1 > maxBatchBytes);
                events += CheckBody(body, writer.ReadyCount);
                batches++;
                writer.CompleteReady();
                Assert.Equal(1, writer.ReadyCount);
            }
        }

        Assert.True(batches > 3, $"{batches} batches");
        Assert.Equal(400, events + tooLarge + writer.ReadyCount);
        writer.EndPass();
    }

    [Fact]
    public void BuildBody_SameInput_IsByteIdenticalAndGzipOfTheJson()
    {
        using var writer = new IngestBatchWriter();
        writer.BeginPass("production", 1_048_576);
        writer.TryAdd(TestEvents.Create("a"), 1_048_576, out _, out _);
        writer.TryAdd(TestEvents.Create("b"), 1_048_576, out _, out _);
        var id = Guid.NewGuid();
        var sentAt = new DateTimeOffset(2026, 11, 21, 23, 0, 0, 123, TimeSpan.Zero).AddTicks(4560);

        var first = writer.BuildBody(0, 2, id, sentAt, 7);
        var firstBytes = first.Buffer.AsSpan(0, first.Length).ToArray();
        var second = writer.BuildBody(0, 2, id, sentAt, 7);

        Assert.Equal(firstBytes, second.Buffer.AsSpan(0, second.Length).ToArray());
        var json = JsonNode.Parse(Gunzip(firstBytes))!;
        Assert.Equal(id.ToString(), json["batch_id"]!.GetValue<string>());
        Assert.Equal("2026-11-21T23:00:00.123456Z", json["sent_at"]!.GetValue<string>());
        Assert.Equal(7, json["dropped_since_last"]!.GetValue<long>());
        Assert.Equal(["a", "b"], json["events"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));
        Assert.Equal(first.UncompressedLength, Gunzip(firstBytes).Length);
    }

    [Fact]
    public void TryAdd_SerializerThrows_ReportsFailedAndKeepsTheBatchIntact()
    {
        using var writer = new IngestBatchWriter();
        writer.BeginPass("production", 1_048_576);
        writer.TryAdd(TestEvents.Create("ok"), 1_048_576, out _, out _);
        var bad = TestEvents.Create("nan");
        bad.Latency = double.NaN;

        var result = writer.TryAdd(bad, 1_048_576, out _, out var error);

        Assert.Equal(AddResult.Failed, result);
        Assert.NotNull(error);
        Assert.Equal(1, writer.ReadyCount);
        var body = writer.BuildBody(0, 1, Guid.NewGuid(), DateTimeOffset.UnixEpoch, 0);
        Assert.Equal("ok", JsonNode.Parse(Gunzip(body.Buffer.AsSpan(0, body.Length).ToArray()))!["events"]![0]!["name"]!.GetValue<string>());
    }

    private static int CheckBody(IngestBody body, int expectedEvents)
    {
        var json = JsonNode.Parse(Gunzip(body.Buffer.AsSpan(0, body.Length).ToArray()))!;
        Assert.Equal(expectedEvents, json["events"]!.AsArray().Count);
        return expectedEvents;
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
