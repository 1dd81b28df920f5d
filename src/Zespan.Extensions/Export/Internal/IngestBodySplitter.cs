using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Splits a kept batch (only its gzip body is left) in two when the backend answers 413 for it: each half is a new
/// batch with its own <c>batch_id</c>, the envelope's <c>sdk</c> and <c>environment</c> kept, the first half
/// carrying the original <c>dropped_since_last</c>. The batches the writer still holds are split by the writer.
/// </summary>
internal static class IngestBodySplitter
{
    /// <summary>The largest body decompressed here (a stored body from a process with a larger <c>MaxBatchBytes</c> included).</summary>
    private const int MaxJsonBytes = 256 * 1024 * 1024;

    /// <summary>Splits <paramref name="batch"/>; false when it holds a single event or does not read as a batch.</summary>
    public static bool TrySplit(RetainedBatch batch, DateTimeOffset sentAt, out RetainedBatch first, out RetainedBatch second)
    {
        first = second = null!;
        if (batch.EventCount < 2 || batch.UncompressedLength > MaxJsonBytes)
        {
            return false;
        }

        try
        {
            byte[] json;
            using (var input = new GZipStream(new MemoryStream(batch.Body), CompressionMode.Decompress))
            using (var plain = new MemoryStream(Math.Max(batch.UncompressedLength, 256)))
            {
                input.CopyTo(plain);
                json = plain.ToArray();
            }

            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var events = root.GetProperty("events");
            var count = events.GetArrayLength();
            if (count < 2)
            {
                return false;
            }

            var middle = count / 2;
            first = Build(root, events, 0, middle, sentAt, batch.DroppedReported, batch.CarriedHere);
            second = Build(root, events, middle, count, sentAt, 0, carriedHere: false);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private static RetainedBatch Build(JsonElement root, JsonElement events, int from, int to, DateTimeOffset sentAt, long dropped, bool carriedHere)
    {
        var batchId = Guid.NewGuid();
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("batch_id", batchId);
            if (root.TryGetProperty("sdk", out var sdk))
            {
                writer.WritePropertyName("sdk");
                writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(sdk), skipInputValidation: true);
            }

            writer.WriteString("environment", root.TryGetProperty("environment", out var environment) ? environment.GetString() : string.Empty);
            writer.WriteString("sent_at", ZespanJsonContext.FormatTime(sentAt));
            writer.WriteNumber("dropped_since_last", dropped);
            writer.WriteStartArray("events");
            var index = 0;
            foreach (var item in events.EnumerateArray())
            {
                if (index >= from && index < to)
                {
                    writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(item), skipInputValidation: true);
                }

                index++;
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var uncompressed = (int)json.Length;
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json.GetBuffer(), 0, uncompressed);
        }

        return new RetainedBatch(batchId, compressed.ToArray(), uncompressed, to - from, dropped, carriedHere)
        {
            BuiltAt = sentAt,
            Order = RetainedBatch.NextOrder(),
        };
    }
}
