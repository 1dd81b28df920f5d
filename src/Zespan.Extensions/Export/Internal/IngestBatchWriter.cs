using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Zespan.Extensions.Backend.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>What happened to an event offered to <c>IngestBatchWriter.TryAdd</c>.</summary>
internal enum AddResult
{
    /// <summary>The event joined the current batch.</summary>
    Added,

    /// <summary>The event does not fit the current batch: it is kept as the first of the next one.</summary>
    Full,

    /// <summary>The event alone is larger than <c>MaxBatchBytes</c>; it was not kept.</summary>
    TooLarge,

    /// <summary>The serializer threw on the event; it was not kept.</summary>
    Failed,
}

/// <summary>
/// Builds ingest batches: each event is serialized once (source-generated JSON) into a pooled buffer, so
/// its size is known before it joins a batch; a batch is a run of those segments wrapped in the envelope
/// (<c>{batch_id, sdk, environment, sent_at, dropped_since_last, events}</c>), written with
/// <see cref="Utf8JsonWriter"/> into a second pooled buffer and gzipped once into a third. Used under the
/// export lock only.
/// </summary>
internal sealed class IngestBatchWriter : IDisposable
{
    /// <summary>The SDK name on the wire.</summary>
    public const string SdkName = "zespan-dotnet";

    private const int InitialCapacity = 64 * 1024;
    private const int SentAtLength = 27; // 2026-11-21T23:00:00.123456Z

    private static readonly JsonEncodedText BatchIdName = JsonEncodedText.Encode("batch_id");
    private static readonly JsonEncodedText SdkPropertyName = JsonEncodedText.Encode("sdk");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText EnvironmentName = JsonEncodedText.Encode("environment");
    private static readonly JsonEncodedText SentAtName = JsonEncodedText.Encode("sent_at");
    private static readonly JsonEncodedText DroppedName = JsonEncodedText.Encode("dropped_since_last");
    private static readonly JsonEncodedText EventsName = JsonEncodedText.Encode("events");
    private static readonly JsonEncodedText SdkNameValue = JsonEncodedText.Encode(SdkName);
    private static readonly JsonEncodedText SdkVersionValue = JsonEncodedText.Encode(ZespanBackendClient.SdkVersion);

    private readonly PooledBufferWriter _events = new(InitialCapacity);
    private readonly PooledBufferWriter _json = new(InitialCapacity);
    private readonly PooledBufferWriter _compressed = new(InitialCapacity / 4);
    private readonly List<Segment> _segments = new(64);
    private readonly Utf8JsonWriter _eventWriter;
    private readonly Utf8JsonWriter _envelopeWriter;
    private readonly BufferWriterStream _compressedStream;
    private readonly IngestBody _body = new();
    private string _environment = string.Empty;
    private int _overhead;
    private long _readyBytes;
    private int _readyCount;
    private int _maxRetained = 4 * 1024 * 1024;

    public IngestBatchWriter()
    {
        _eventWriter = new Utf8JsonWriter(_events, new JsonWriterOptions { SkipValidation = true });
        _envelopeWriter = new Utf8JsonWriter(_json, new JsonWriterOptions { SkipValidation = true });
        _compressedStream = new BufferWriterStream(_compressed);
    }

    /// <summary>Gets the number of events that form the current batch.</summary>
    public int ReadyCount => _readyCount;

    /// <summary>Gets a value indicating whether an event waits for the next batch (the current one is full by size).</summary>
    public bool HasCarry => _segments.Count > _readyCount;

    /// <summary>Gets the envelope's size without events (an upper bound, with the widest <c>dropped_since_last</c>).</summary>
    public int Overhead => _overhead;

    /// <summary>Starts an export pass: fixes the environment label and measures the envelope.</summary>
    public void BeginPass(string? environment, int maxBatchBytes)
    {
        _environment = environment ?? string.Empty;
        _maxRetained = Math.Max(InitialCapacity, Math.Min(maxBatchBytes, 64 * 1024 * 1024) * 2);
        WriteEnvelope(0, 0, Guid.Empty, DateTimeOffset.UnixEpoch, long.MaxValue);
        _overhead = _json.WrittenCount;
        _json.Clear();
    }

    /// <summary>
    /// Serializes <paramref name="item"/> and adds it to the current batch when it fits within
    /// <paramref name="maxBatchBytes"/>; an event that does not fit is kept for the next batch (<see cref="AddResult.Full"/>).
    /// </summary>
    public AddResult TryAdd(ZespanEvent item, int maxBatchBytes, out int eventBytes, out Exception? error) =>
        TryAdd(item, maxBatchBytes, int.MaxValue, 0, out eventBytes, out error, out _);

    /// <summary>
    /// Serializes <paramref name="item"/>; when its JSON is over <paramref name="maxEventBytes"/> (or would not fit a
    /// batch alone) its largest text fields are cut (<see cref="EventTruncator"/>) and it is serialized again, up to a
    /// few rounds. It then joins the current batch when it fits within <paramref name="maxBatchBytes"/>, or is kept for
    /// the next one (<see cref="AddResult.Full"/>); one that cannot be cut below the limit is <see cref="AddResult.TooLarge"/>.
    /// </summary>
    /// <param name="item">The prepared event.</param>
    /// <param name="maxBatchBytes">The largest body.</param>
    /// <param name="maxEventBytes">The largest event JSON (<c>MaxEventBytes</c>).</param>
    /// <param name="reserved">The memory-budget bytes the event holds, kept with its segment (at most its JSON's length).</param>
    /// <param name="eventBytes">The event's JSON length.</param>
    /// <param name="error">What the serializer threw, for <see cref="AddResult.Failed"/>.</param>
    /// <param name="truncated">Whether fields were cut.</param>
    public AddResult TryAdd(ZespanEvent item, int maxBatchBytes, int maxEventBytes, long reserved, out int eventBytes, out Exception? error, out bool truncated)
    {
        error = null;
        truncated = EventTruncator.LimitDepth(item);
        var start = _events.WrittenCount;
        var limit = (int)Math.Min(maxEventBytes, (long)maxBatchBytes - _overhead);
        for (var round = 0; ; round++)
        {
            try
            {
                _eventWriter.Reset(_events);
                JsonSerializer.Serialize(_eventWriter, item, ZespanJsonContext.Default.ZespanEvent);
                _eventWriter.Flush();
            }
#pragma warning disable CA1031 // any serializer failure drops this event only
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _eventWriter.Reset(_events);
                _events.Truncate(start);
                eventBytes = 0;
                error = ex;
                return AddResult.Failed;
            }

            eventBytes = _events.WrittenCount - start;
            if (eventBytes <= limit || round >= EventTruncator.MaxRounds || !EventTruncator.Cut(item, eventBytes - limit))
            {
                break;
            }

            truncated = true;
            _events.Truncate(start);
        }

        if (eventBytes > limit)
        {
            _events.Truncate(start);
            return AddResult.TooLarge;
        }

        _segments.Add(new Segment(start, eventBytes, Math.Min(reserved, eventBytes)));

        // n events take their bytes plus n - 1 commas.
        var size = (long)_overhead + _readyBytes + eventBytes + _readyCount;
        if (_readyCount > 0 && size > maxBatchBytes)
        {
            return AddResult.Full;
        }

        _readyCount++;
        _readyBytes += eventBytes;
        return AddResult.Added;
    }

    /// <summary>Gets the memory-budget bytes held by events <paramref name="from"/> to <paramref name="to"/> (exclusive) of the current batch.</summary>
    public long ReservedIn(int from, int to)
    {
        long total = 0;
        for (var i = from; i < to && i < _segments.Count; i++)
        {
            total += _segments[i].Reserved;
        }

        return total;
    }

    /// <summary>
    /// Writes the envelope around events <paramref name="from"/> to <paramref name="to"/> (exclusive) of the
    /// current batch and gzips it once. The returned body is reused by the next call.
    /// </summary>
    public IngestBody BuildBody(int from, int to, Guid batchId, DateTimeOffset sentAt, long droppedSinceLast)
    {
        _json.Clear();
        WriteEnvelope(from, to, batchId, sentAt, droppedSinceLast);

        _compressed.Clear();
        using (var gzip = new GZipStream(_compressedStream, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(_json.WrittenSpan);
        }

        _body.Reset(batchId, _compressed.Array, _compressed.WrittenCount, _json.WrittenCount, to - from);
        _body.SentAt = sentAt;
        _body.Order = RetainedBatch.NextOrder();
        return _body;
    }

    /// <summary>Gets the uncompressed JSON of the last body built (for tests and diagnostics).</summary>
    public ReadOnlySpan<byte> LastJson => _json.WrittenSpan;

    /// <summary>Forgets the batch just sent; an event kept for the next batch becomes its first.</summary>
    public void CompleteReady()
    {
        if (HasCarry)
        {
            var carry = _segments[_readyCount];
            _segments.Clear();
            _events.RemovePrefix(carry.Offset);
            _segments.Add(new Segment(0, carry.Length, carry.Reserved));
            _readyCount = 1;
            _readyBytes = carry.Length;
        }
        else
        {
            Clear();
        }
    }

    /// <summary>Forgets everything; returns the number of events that were held (not sent).</summary>
    public int Clear()
    {
        var held = _segments.Count;
        _segments.Clear();
        _events.Clear();
        _readyCount = 0;
        _readyBytes = 0;
        return held;
    }

    /// <summary>Ends an export pass: forgets what is held and gives outsized buffers back to the pool.</summary>
    public int EndPass()
    {
        var held = Clear();
        _json.Clear();
        _compressed.Clear();
        _events.TrimExcess(_maxRetained);
        _json.TrimExcess(_maxRetained);
        _compressed.TrimExcess(_maxRetained);
        return held;
    }

    public void Dispose()
    {
        _eventWriter.Dispose();
        _envelopeWriter.Dispose();
        _events.Dispose();
        _json.Dispose();
        _compressed.Dispose();
    }

    private void WriteEnvelope(int from, int to, Guid batchId, DateTimeOffset sentAt, long droppedSinceLast)
    {
        var w = _envelopeWriter;
        w.Reset(_json);
        w.WriteStartObject();
        w.WriteString(BatchIdName, batchId);
        w.WriteStartObject(SdkPropertyName);
        w.WriteString(NameName, SdkNameValue);
        w.WriteString(VersionName, SdkVersionValue);
        w.WriteEndObject();
        w.WriteString(EnvironmentName, _environment);
        Span<byte> time = stackalloc byte[32];
        if (!sentAt.UtcDateTime.TryFormat(time, out var written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) || written != SentAtLength)
        {
            written = System.Text.Encoding.UTF8.GetBytes(ZespanJsonContext.FormatTime(sentAt), time);
        }

        w.WriteString(SentAtName, time[..written]);
        w.WriteNumber(DroppedName, droppedSinceLast);
        w.WriteStartArray(EventsName);
        var events = _events.WrittenSpan;
        for (var i = from; i < to; i++)
        {
            var segment = _segments[i];
            w.WriteRawValue(events.Slice(segment.Offset, segment.Length), skipInputValidation: true);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    private readonly record struct Segment(int Offset, int Length, long Reserved);
}

/// <summary>One gzipped ingest body, byte-identical on every attempt of its batch.</summary>
internal sealed class IngestBody
{
    public Guid BatchId { get; private set; }

    /// <summary>Gets the batch id as sent in the <c>Idempotency-Key</c> header.</summary>
    public string BatchIdText { get; private set; } = string.Empty;

    public byte[] Buffer { get; private set; } = [];

    /// <summary>Gets the gzipped length.</summary>
    public int Length { get; private set; }

    /// <summary>Gets the length of the JSON before compression (bounded by <c>MaxBatchBytes</c>).</summary>
    public int UncompressedLength { get; private set; }

    public int EventCount { get; private set; }

    /// <summary>Gets or sets the number of attempts made (one request message per attempt).</summary>
    public int Attempts { get; set; }

    /// <summary>Gets or sets the API key the last attempt carried, to know which key a 401 rejected.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the body's <c>sent_at</c>: when it was built.</summary>
    public DateTimeOffset SentAt { get; set; }

    /// <summary>Gets or sets the process-wide build order of the body (<see cref="RetainedBatch.NextOrder"/>), so kept batches are stored oldest first.</summary>
    public long Order { get; set; }

    public void Reset(Guid batchId, byte[] buffer, int length, int uncompressedLength, int eventCount)
    {
        BatchId = batchId;
        BatchIdText = batchId.ToString("D");
        Buffer = buffer;
        Length = length;
        UncompressedLength = uncompressedLength;
        EventCount = eventCount;
        Attempts = 0;
        ApiKey = null;
    }
}
