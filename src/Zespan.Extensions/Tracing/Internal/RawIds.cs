using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Zespan.Extensions.Tracing.Internal;

/// <summary>A W3C trace id as two 64-bit halves (the 16 bytes read big-endian); zero is "no id".</summary>
internal readonly record struct RawTraceId(ulong High, ulong Low)
{
    public bool IsEmpty => High == 0 && Low == 0;
}

/// <summary>
/// Trace and span ids kept as raw bits on the hot path. <see cref="ActivityTraceId"/> and
/// <see cref="ActivitySpanId"/> hold a hex string each (88 and 56 bytes), so Zespan builds them only when an
/// event is read for export, not when a span starts.
/// </summary>
internal static class RawIds
{
    /// <summary>A random trace id, never the empty one (16 random bytes read straight into the two halves).</summary>
    public static RawTraceId NewTraceId()
    {
        Span<ulong> halves = stackalloc ulong[2];
        do
        {
            Random.Shared.NextBytes(MemoryMarshal.AsBytes(halves));
        }
        while ((halves[0] | halves[1]) == 0);

        return new RawTraceId(halves[0], halves[1]);
    }

    /// <summary>A random span id, never zero.</summary>
    public static ulong NewSpanId()
    {
        ulong id = 0;
        do
        {
            Random.Shared.NextBytes(MemoryMarshal.AsBytes(new Span<ulong>(ref id)));
        }
        while (id == 0);

        return id;
    }

    public static RawTraceId From(ActivityTraceId traceId)
    {
        Span<byte> bytes = stackalloc byte[16];
        traceId.CopyTo(bytes);
        return new RawTraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }

    public static ulong From(ActivitySpanId spanId)
    {
        Span<byte> bytes = stackalloc byte[8];
        spanId.CopyTo(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    /// <summary>Gets the <see cref="ActivityTraceId"/>; <see langword="default"/> for the empty id.</summary>
    public static ActivityTraceId ToActivityTraceId(RawTraceId traceId)
    {
        if (traceId.IsEmpty)
        {
            return default;
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, traceId.High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], traceId.Low);
        return ActivityTraceId.CreateFromBytes(bytes);
    }

    /// <summary>Gets the <see cref="ActivitySpanId"/>; <see langword="default"/> for zero.</summary>
    public static ActivitySpanId ToActivitySpanId(ulong spanId)
    {
        if (spanId == 0)
        {
            return default;
        }

        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, spanId);
        return ActivitySpanId.CreateFromBytes(bytes);
    }

    /// <summary>Formats a trace id as 32 lowercase hex digits.</summary>
    public static string ToHex(RawTraceId traceId) =>
        string.Create(32, traceId, static (chars, id) =>
        {
            id.High.TryFormat(chars, out _, "x16", provider: null);
            id.Low.TryFormat(chars[16..], out _, "x16", provider: null);
        });

    /// <summary>Formats a span id as 16 lowercase hex digits.</summary>
    public static string ToHex(ulong spanId) => spanId.ToString("x16", provider: null);
}
