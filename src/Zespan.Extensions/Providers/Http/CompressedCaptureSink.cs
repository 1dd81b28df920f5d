using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The capture of a body that reaches the tee still compressed (<c>Content-Encoding: gzip</c>, <c>deflate</c> or
/// <c>br</c>): below the runtime's automatic decompression, where process-wide capture sits, or under an SDK that
/// decompresses itself. The compressed bytes are kept as they pass (bounded by the capture limit, one copy, no
/// work on the caller's path); <see cref="Decode"/> inflates them into the real capture on the export thread,
/// before parsing.
/// </summary>
internal sealed class CompressedCaptureSink : IResponseCaptureSink, IDisposable
{
    /// <summary>The most inflated bytes read from one body (a guard against decompression bombs).</summary>
    public const long MaxInflatedBytes = 64L * 1024 * 1024;

    private readonly CaptureBuffer _compressed;
    private readonly ContentCoding _coding;
    private bool _decoded;

    public CompressedCaptureSink(IResponseCaptureSink inner, ContentCoding coding, int limit)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        _coding = coding;
        _compressed = new CaptureBuffer(limit, tailBytes: 0);
    }

    /// <summary>The codings Zespan inflates.</summary>
    internal enum ContentCoding
    {
        /// <summary>Not compressed (or <c>identity</c>).</summary>
        None,

        /// <summary><c>gzip</c> (or <c>x-gzip</c>).</summary>
        Gzip,

        /// <summary><c>deflate</c> (zlib-wrapped, or raw as some servers send it).</summary>
        Deflate,

        /// <summary><c>br</c>.</summary>
        Brotli,

        /// <summary>A coding Zespan cannot inflate (<c>zstd</c>, several codings): the body is not captured.</summary>
        Unsupported,
    }

    /// <summary>Gets the capture the inflated body goes to.</summary>
    public IResponseCaptureSink Inner { get; }

    /// <summary>Gets the compressed bytes held.</summary>
    public long HeldBytes => _compressed.HeldBytes;

    /// <summary>Reads a response's <c>Content-Encoding</c>.</summary>
    public static ContentCoding CodingOf(string? contentEncoding)
    {
        if (string.IsNullOrWhiteSpace(contentEncoding))
        {
            return ContentCoding.None;
        }

        var coding = contentEncoding.AsSpan().Trim();
        return coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase) ? ContentCoding.Gzip
            : coding.Equals("deflate", StringComparison.OrdinalIgnoreCase) ? ContentCoding.Deflate
            : coding.Equals("br", StringComparison.OrdinalIgnoreCase) ? ContentCoding.Brotli
            : coding.Equals("identity", StringComparison.OrdinalIgnoreCase) ? ContentCoding.None
            : ContentCoding.Unsupported;
    }

    public void Append(ReadOnlySpan<byte> data) => _compressed.Append(data);

    /// <summary>Inflates what was kept into <see cref="Inner"/> (once; never throws). A cut or corrupt body is marked truncated.</summary>
    public void Decode(ParseContext context)
    {
        if (_decoded)
        {
            return;
        }

        _decoded = true;
        if (_compressed.Truncated)
        {
            context.MarkTruncated();
        }

        var head = _compressed.Head;
        if (head.IsEmpty || !MemoryMarshal.TryGetArray(head, out var segment))
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var input = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
            using var inflater = Open(input, segment);
            long total = 0;
            int read;
            while (total < MaxInflatedBytes && (read = inflater.Read(buffer)) > 0)
            {
                Inner.Append(buffer.AsSpan(0, read));
                total += read;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException)
        {
            // A body cut at the capture limit ends mid-stream: keep what was inflated.
            context.MarkTruncated();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _compressed.Dispose();

    private Stream Open(Stream input, ArraySegment<byte> data) => _coding switch
    {
        ContentCoding.Gzip => new GZipStream(input, CompressionMode.Decompress),
        ContentCoding.Brotli => new BrotliStream(input, CompressionMode.Decompress),
        ContentCoding.Deflate when IsZlibHeader(data) => new ZLibStream(input, CompressionMode.Decompress),
        ContentCoding.Deflate => new DeflateStream(input, CompressionMode.Decompress),
        _ => throw new NotSupportedException(),
    };

    private static bool IsZlibHeader(ArraySegment<byte> data) =>
        data.Count >= 2 && (data[0] & 0x0F) == 8 && ((data[0] << 8) | data[1]) % 31 == 0;
}
