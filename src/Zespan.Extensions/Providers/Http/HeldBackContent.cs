using System.Buffers;
using System.Net;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// A response body a post-check started to hold back and then let go (it outgrew
/// <see cref="Guardrails.Internal.GuardrailCheckRunner.MaxHeldBytes"/> and the check failed open): the bytes already
/// read, then the rest of the original body as it arrives. The caller gets exactly the provider's bytes; headers are
/// the original's.
/// </summary>
internal sealed class HeldBackContent : HttpContent
{
    private readonly byte[] _head;
    private readonly Stream _rest;
    private readonly HttpContent _original;
    private Stream? _stream;

    public HeldBackContent(byte[] head, Stream rest, HttpContent original)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(rest);
        ArgumentNullException.ThrowIfNull(original);
        _head = head;
        _rest = rest;
        _original = original;
        foreach (var header in original.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    /// <summary>What a capped read of a body gave: the bytes read, and the unread rest when the body outgrew the cap.</summary>
    /// <param name="Head">Every byte read (the whole body when <paramref name="Rest"/> is null).</param>
    /// <param name="Rest">The body's stream after <paramref name="Head"/>, when the body is larger than the cap; its owner disposes it.</param>
    internal readonly record struct HeldBody(byte[] Head, Stream? Rest);

    /// <summary>Reads a body up to <paramref name="cap"/> bytes: whole when it fits, else what was read and the rest unread.</summary>
    public static async ValueTask<HeldBody> ReadAsync(HttpContent content, int cap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (buffer.Length <= cap)
            {
                var read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    return new HeldBody(buffer.ToArray(), null);
                }

                buffer.Write(chunk, 0, read);
            }

            return new HeldBody(buffer.ToArray(), stream);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The synchronous form of <see cref="ReadAsync"/>, for <c>HttpClient.Send</c>.</summary>
    public static HeldBody Read(HttpContent content, int cap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var stream = content.ReadAsStream(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (buffer.Length <= cap)
            {
                var read = stream.Read(chunk, 0, chunk.Length);
                if (read == 0)
                {
                    stream.Dispose();
                    return new HeldBody(buffer.ToArray(), null);
                }

                buffer.Write(chunk, 0, read);
            }

            return new HeldBody(buffer.ToArray(), stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => Task.FromResult(Open());

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(Open());

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => Open();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var source = Open();
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        using var source = Open();
        source.CopyTo(stream);
    }

    protected override bool TryComputeLength(out long length) => ForwardedLength.TryGet(_original, out length);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream?.Dispose();
            _rest.Dispose();
            _original.Dispose();
        }

        base.Dispose(disposing);
    }

    private Stream Open() => _stream ??= new PrefixedStream(_head, _rest);

    /// <summary>Reads <c>head</c>, then <c>rest</c>.</summary>
    private sealed class PrefixedStream(byte[] head, Stream rest) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            return Read(buffer.AsSpan(offset, count));
        }

        public override int Read(Span<byte> buffer)
        {
            var taken = TakeHead(buffer);
            return taken > 0 || buffer.IsEmpty ? taken : rest.Read(buffer);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            ValidateBufferArguments(buffer, offset, count);
            return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var taken = TakeHead(buffer.Span);
            return taken > 0 || buffer.IsEmpty ? new ValueTask<int>(taken) : rest.ReadAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }

        private int TakeHead(Span<byte> buffer)
        {
            var left = head.Length - _position;
            if (left <= 0)
            {
                return 0;
            }

            var count = Math.Min(left, buffer.Length);
            head.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }
    }
}
