using System.Buffers;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over an array rented from <see cref="ArrayPool{T}.Shared"/>, reused
/// from batch to batch (<see cref="Clear"/> keeps the array). Not thread-safe: the export lock guards it.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, initialCapacity));
    }

    /// <summary>Gets the number of bytes written.</summary>
    public int WrittenCount => _written;

    /// <summary>Gets the size of the rented array.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Gets the bytes written.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Gets the underlying array (valid until the next write that grows it).</summary>
    public byte[] Array => _buffer;

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets everything written; keeps the array.</summary>
    public void Clear() => _written = 0;

    /// <summary>Forgets what was written after <paramref name="length"/> bytes.</summary>
    public void Truncate(int length)
    {
        if ((uint)length > (uint)_written)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        _written = length;
    }

    /// <summary>Keeps only the bytes from <paramref name="offset"/> on, moved to the start.</summary>
    public void RemovePrefix(int offset)
    {
        if ((uint)offset > (uint)_written)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        var keep = _written - offset;
        if (keep > 0 && offset > 0)
        {
            Buffer.BlockCopy(_buffer, offset, _buffer, 0, keep);
        }

        _written = keep;
    }

    /// <summary>Gives a larger-than-needed array back to the pool when nothing is written (after an outsized event).</summary>
    public void TrimExcess(int maxRetained)
    {
        if (_written == 0 && _buffer.Length > maxRetained)
        {
            var old = _buffer;
            _buffer = ArrayPool<byte>.Shared.Rent(maxRetained);
            ArrayPool<byte>.Shared.Return(old);
        }
    }

    public void Dispose()
    {
        var old = _buffer;
        _buffer = [];
        _written = 0;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var needed = (long)_written + sizeHint;
        var size = Math.Max(needed, Math.Max(256L, (long)_buffer.Length * 2));
        if (size > System.Array.MaxLength)
        {
            size = needed <= System.Array.MaxLength ? System.Array.MaxLength : throw new OutOfMemoryException();
        }

        var bigger = ArrayPool<byte>.Shared.Rent((int)size);
        Buffer.BlockCopy(_buffer, 0, bigger, 0, _written);
        var old = _buffer;
        _buffer = bigger;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}

/// <summary>A write-only <see cref="Stream"/> over a <see cref="PooledBufferWriter"/> (the gzip output).</summary>
internal sealed class BufferWriterStream(PooledBufferWriter target) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => target.WrittenCount;

    public override long Position
    {
        get => target.WrittenCount;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        buffer.CopyTo(target.GetSpan(buffer.Length));
        target.Advance(buffer.Length);
    }

    public override void WriteByte(byte value)
    {
        target.GetSpan(1)[0] = value;
        target.Advance(1);
    }
}
