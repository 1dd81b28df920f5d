using System.IO.Compression;
using System.Text.Json.Nodes;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// An <see cref="IZespanExporter"/> that answers from a script (then <see cref="IngestOutcome.Accepted"/>) and keeps
/// a copy of every batch it was given, decompressed.
/// </summary>
internal sealed class FakeExporter : IZespanExporter
{
    private readonly Queue<IngestResult> _script = new();
    private readonly List<ExportedBatch> _batches = [];

    /// <summary>Gets or sets the key each attempt carries (what the real exporter reads off its request).</summary>
    public string? ApiKey { get; set; }

    public IReadOnlyList<ExportedBatch> Batches
    {
        get
        {
            lock (_batches)
            {
                return [.. _batches];
            }
        }
    }

    /// <summary>Answers the next <paramref name="count"/> batches with <paramref name="outcome"/>.</summary>
    public FakeExporter Then(IngestOutcome outcome, int status, int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            _script.Enqueue(new IngestResult(outcome, status, outcome.ToString()));
        }

        return this;
    }

    public ValueTask<IngestResult> ExportAsync(IngestBody body, bool async, CancellationToken cancellationToken)
    {
        body.Attempts++;
        body.ApiKey = ApiKey;
        using var gzip = new GZipStream(new MemoryStream(body.Buffer, 0, body.Length), CompressionMode.Decompress);
        var json = (JsonObject)JsonNode.Parse(gzip)!;
        lock (_batches)
        {
            _batches.Add(new ExportedBatch(body.BatchIdText, body.EventCount, json));
        }

        var result = _script.TryDequeue(out var scripted) ? scripted : new IngestResult(IngestOutcome.Accepted, 202, "accepted");
        return ValueTask.FromResult(result);
    }

    internal sealed record ExportedBatch(string BatchId, int EventCount, JsonObject Json)
    {
        public IReadOnlyList<string> Names => Json["events"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToArray();

        public long DroppedSinceLast => Json["dropped_since_last"]!.GetValue<long>();
    }
}
