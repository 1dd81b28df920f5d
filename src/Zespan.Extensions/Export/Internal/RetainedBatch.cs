namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// A batch the backend could not take when it was sent (a transient failure, a rejected key) or that the export
/// kept instead of sending (the backend down, the host stopping): its exact gzip body and <c>batch_id</c>, so it is
/// sent again byte for byte and the backend's idempotency makes a repeat harmless. Held by the
/// <see cref="DeliveryBacklog"/>, in memory or in offline storage.
/// </summary>
internal sealed class RetainedBatch
{
    private static long s_order;

    public RetainedBatch(Guid batchId, byte[] body, int uncompressedLength, int eventCount, long droppedReported, bool carriedHere)
    {
        BatchId = batchId;
        BatchIdText = batchId.ToString("D");
        Body = body;
        UncompressedLength = uncompressedLength;
        EventCount = eventCount;
        DroppedReported = droppedReported;
        CarriedHere = carriedHere;
    }

    public Guid BatchId { get; }

    public string BatchIdText { get; }

    /// <summary>Gets the gzip body, exactly as first built (an array of exactly its length).</summary>
    public byte[] Body { get; }

    public int UncompressedLength { get; }

    public int EventCount { get; }

    /// <summary>Gets the <c>dropped_since_last</c> the body reports.</summary>
    public long DroppedReported { get; }

    /// <summary>Gets or sets a value indicating whether this process built the body and counts its report as carried (<see cref="DropCounter"/>).</summary>
    public bool CarriedHere { get; set; }

    /// <summary>Gets or sets the bytes of the memory budget it holds while in memory (its body's length).</summary>
    public long ReservedBytes { get; set; }

    /// <summary>Gets or sets when the body was built (its <c>sent_at</c>); with <see cref="Order"/> it names the stored file, so files sort oldest first.</summary>
    public DateTimeOffset BuiltAt { get; set; }

    /// <summary>Gets or sets the process-wide order in which the body was built (see <see cref="NextOrder"/>).</summary>
    public long Order { get; set; }

    /// <summary>Gets or sets the claimed file it was read from, when it came from offline storage.</summary>
    public string? ClaimedPath { get; set; }

    /// <summary>Gets or sets the file's name in the directory (to put a claimed file back unchanged).</summary>
    public string? StoredName { get; set; }

    /// <summary>
    /// The next build order: bodies are numbered as they are built, so a batch that failed after newer events were
    /// stored (moved to disk while it was in flight) is still stored, and sent, before them.
    /// </summary>
    public static long NextOrder() => Interlocked.Increment(ref s_order);

    /// <summary>Copies the current body of <paramref name="body"/> (the writer reuses its buffer).</summary>
    public static RetainedBatch Copy(IngestBody body, long droppedReported) =>
        new(body.BatchId, body.Buffer.AsSpan(0, body.Length).ToArray(), body.UncompressedLength, body.EventCount, droppedReported, carriedHere: true)
        {
            BuiltAt = body.SentAt,
            Order = body.Order,
        };
}
