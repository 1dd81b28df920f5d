using System.Buffers;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>A growable byte buffer whose storage is rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
internal sealed class PooledByteBuffer : IDisposable
{
    private byte[] _array;
    private int _count;

    public PooledByteBuffer(int initialCapacity = 0)
    {
        _array = initialCapacity > 0 ? ArrayPool<byte>.Shared.Rent(initialCapacity) : [];
    }

    /// <summary>Gets the number of bytes held.</summary>
    public int Count => _count;

    /// <summary>Gets the bytes held.</summary>
    public ReadOnlySpan<byte> Span => _array.AsSpan(0, _count);

    /// <summary>Gets the bytes held (valid until the next write or <see cref="Dispose"/>).</summary>
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _count);

    /// <summary>Appends bytes, growing the buffer as needed.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        EnsureCapacity(_count + data.Length);
        data.CopyTo(_array.AsSpan(_count));
        _count += data.Length;
    }

    /// <summary>Appends one byte.</summary>
    public void Append(byte value)
    {
        EnsureCapacity(_count + 1);
        _array[_count++] = value;
    }

    /// <summary>Removes the first <paramref name="length"/> bytes, moving the rest to the front.</summary>
    public void Consume(int length)
    {
        if (length >= _count)
        {
            _count = 0;
            return;
        }

        _array.AsSpan(length, _count - length).CopyTo(_array);
        _count -= length;
    }

    /// <summary>Empties the buffer, keeping its storage.</summary>
    public void Clear() => _count = 0;

    /// <summary>Returns the storage to the pool.</summary>
    public void Dispose()
    {
        var array = _array;
        _array = [];
        _count = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _array.Length)
        {
            return;
        }

        var size = Math.Max(needed, Math.Max(256, _array.Length * 2));
        if ((uint)size > (uint)Array.MaxLength)
        {
            size = Math.Max(needed, Array.MaxLength);
        }

        var next = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, _count).CopyTo(next);
        var old = _array;
        _array = next;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
