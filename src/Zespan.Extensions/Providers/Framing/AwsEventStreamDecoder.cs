using System.Buffers.Binary;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>One decoded message of an AWS event stream (valid only during the callback).</summary>
internal readonly ref struct EventStreamMessage
{
    /// <summary>Gets the <c>:message-type</c> header: <c>event</c>, <c>exception</c> or <c>error</c>.</summary>
    public ReadOnlySpan<byte> MessageType { get; init; }

    /// <summary>Gets the <c>:event-type</c> header (<c>messageStart</c>, <c>contentBlockDelta</c>, <c>chunk</c>, ...).</summary>
    public ReadOnlySpan<byte> EventType { get; init; }

    /// <summary>Gets the <c>:exception-type</c> header (<c>throttlingException</c>, ...).</summary>
    public ReadOnlySpan<byte> ExceptionType { get; init; }

    /// <summary>Gets the <c>:error-code</c> header of an <c>error</c> message.</summary>
    public ReadOnlySpan<byte> ErrorCode { get; init; }

    /// <summary>Gets the <c>:error-message</c> header of an <c>error</c> message.</summary>
    public ReadOnlySpan<byte> ErrorMessage { get; init; }

    /// <summary>Gets the payload (JSON for Bedrock).</summary>
    public ReadOnlySpan<byte> Payload { get; init; }
}

/// <summary>Receives the messages of an AWS event stream.</summary>
internal interface IEventStreamHandler
{
    void OnMessage(in EventStreamMessage message);
}

/// <summary>
/// An incremental decoder of the AWS binary event stream (<c>application/vnd.amazon.eventstream</c>):
/// each message is a 12-byte prelude (total length, headers length, prelude CRC-32), the headers, the
/// payload and a CRC-32 of everything before it. Messages may be split across reads in any way.
/// </summary>
/// <remarks>
/// <para>
/// Checksum failures are recorded, never thrown: a message whose message CRC fails is skipped and
/// counted; a prelude whose CRC fails makes every later length untrustworthy, so decoding stops there.
/// </para>
/// <para>
/// Memory is bounded: a message longer than <see cref="MaxMessageLength"/> (its prelude CRC valid, so its length
/// trusted) is skipped as it passes, never buffered, and counted in <see cref="DroppedMessages"/> (the capture is
/// then marked truncated); decoding goes on after it. At most one message up to the bound is held.
/// </para>
/// </remarks>
internal sealed class AwsEventStreamDecoder : IDisposable
{
    private const int PreludeLength = 12;
    private const int MinMessageLength = 16;

    /// <summary>The longest message accepted (AWS allows 16 MiB of payload plus headers).</summary>
    public const int MaxMessageLength = 24 * 1024 * 1024;

    private readonly IEventStreamHandler _handler;
    private readonly PooledByteBuffer _pending = new();
    private long _skip;

    public AwsEventStreamDecoder(IEventStreamHandler handler)
    {
        _handler = handler;
    }

    /// <summary>Gets the number of messages decoded and handed over.</summary>
    public int MessageCount { get; private set; }

    /// <summary>Gets the number of messages skipped because their message CRC did not match.</summary>
    public int CrcErrors { get; private set; }

    /// <summary>Gets a value indicating whether decoding stopped on a corrupt prelude.</summary>
    public bool Corrupt { get; private set; }

    /// <summary>Gets a description of the first decoding problem, or <see langword="null"/>.</summary>
    public string? Problem { get; private set; }

    /// <summary>Gets the number of bytes left over when the stream ended mid-message (set by <see cref="Complete"/>).</summary>
    public int TrailingBytes { get; private set; }

    /// <summary>Gets the stream offset of the next unread message.</summary>
    public long Offset { get; private set; }

    /// <summary>Gets the number of messages skipped because they were longer than <see cref="MaxMessageLength"/>.</summary>
    public int DroppedMessages { get; private set; }

    /// <summary>Gets the bytes held for an unfinished message (at most <see cref="MaxMessageLength"/> and one read).</summary>
    public long BufferedBytes => _pending.Count;

    /// <summary>Feeds the next bytes of the stream.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        if (Corrupt || data.IsEmpty)
        {
            return;
        }

        if (_skip > 0)
        {
            // The rest of an oversized message passes without being kept.
            var skipped = (int)Math.Min(_skip, data.Length);
            _skip -= skipped;
            Offset += skipped;
            data = data[skipped..];
            if (data.IsEmpty)
            {
                return;
            }
        }

        if (_pending.Count == 0)
        {
            // Fast path: decode whole messages straight from the caller's bytes.
            var used = DecodeAll(data);
            if (_skip > 0)
            {
                // An oversized message began in these bytes: skip what of it is here, decode what follows it.
                Feed(data[used..]);
            }
            else if (!Corrupt && used < data.Length)
            {
                _pending.Append(data[used..]);
            }

            return;
        }

        _pending.Append(data);
        var consumed = DecodeAll(_pending.Span);
        if (Corrupt)
        {
            _pending.Clear();
        }
        else if (_skip > 0)
        {
            var rest = _pending.Span[consumed..].ToArray();
            _pending.Clear();
            Feed(rest);
        }
        else
        {
            _pending.Consume(consumed);
        }
    }

    /// <summary>Ends the stream; bytes of an unfinished message are recorded as a problem.</summary>
    public void Complete()
    {
        if (_pending.Count > 0 && !Corrupt)
        {
            TrailingBytes = _pending.Count;
            Problem ??= $"event stream ended inside a message ({_pending.Count} bytes left over at offset {Offset})";
        }

        _pending.Clear();
    }

    public void Dispose() => _pending.Dispose();

    private int DecodeAll(ReadOnlySpan<byte> data)
    {
        var consumed = 0;
        while (!Corrupt)
        {
            var rest = data[consumed..];
            if (rest.Length < PreludeLength)
            {
                break;
            }

            var total = BinaryPrimitives.ReadUInt32BigEndian(rest);
            var headersLength = BinaryPrimitives.ReadUInt32BigEndian(rest[4..]);
            var preludeCrc = BinaryPrimitives.ReadUInt32BigEndian(rest[8..]);
            if (Crc32.Compute(rest[..8]) != preludeCrc)
            {
                Stop($"event stream prelude CRC mismatch at offset {Offset}");
                break;
            }

            if (total < MinMessageLength || headersLength > total - MinMessageLength)
            {
                Stop($"event stream message at offset {Offset} has an invalid length ({total}, headers {headersLength})");
                break;
            }

            if (total > MaxMessageLength)
            {
                // Too long to keep: skipped as it passes (from this message's first byte), decoding resumes after it.
                DroppedMessages++;
                Problem ??= $"event stream message at offset {Offset} is longer than {MaxMessageLength} bytes ({total}) and was skipped";
                _skip = total;
                break;
            }

            if (rest.Length < total)
            {
                break;
            }

            var message = rest[..(int)total];
            var messageCrc = BinaryPrimitives.ReadUInt32BigEndian(message[^4..]);
            if (Crc32.Compute(message[..^4]) != messageCrc)
            {
                CrcErrors++;
                Problem ??= $"event stream message CRC mismatch at offset {Offset}";
            }
            else
            {
                Dispatch(message[PreludeLength..(PreludeLength + (int)headersLength)], message[(PreludeLength + (int)headersLength)..^4]);
            }

            consumed += (int)total;
            Offset += total;
        }

        return consumed;
    }

    private void Stop(string problem)
    {
        Corrupt = true;
        Problem ??= problem;
    }

    private void Dispatch(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<byte> messageType = default, eventType = default, exceptionType = default, errorCode = default, errorMessage = default;
        while (!headers.IsEmpty)
        {
            var nameLength = headers[0];
            if (headers.Length < 1 + nameLength + 1)
            {
                Problem ??= $"event stream message at offset {Offset} has malformed headers";
                return;
            }

            var name = headers.Slice(1, nameLength);
            var type = headers[1 + nameLength];
            headers = headers[(2 + nameLength)..];
            int valueLength;
            var isString = false;
            switch (type)
            {
                case 0 or 1: valueLength = 0; break; // bool true / false
                case 2: valueLength = 1; break; // byte
                case 3: valueLength = 2; break; // short
                case 4: valueLength = 4; break; // int
                case 5 or 8: valueLength = 8; break; // long, timestamp
                case 9: valueLength = 16; break; // uuid
                case 6 or 7:
                    if (headers.Length < 2)
                    {
                        Problem ??= $"event stream message at offset {Offset} has malformed headers";
                        return;
                    }

                    valueLength = BinaryPrimitives.ReadUInt16BigEndian(headers);
                    headers = headers[2..];
                    isString = type == 7;
                    break;
                default:
                    Problem ??= $"event stream message at offset {Offset} has an unknown header type {type}";
                    return;
            }

            if (headers.Length < valueLength)
            {
                Problem ??= $"event stream message at offset {Offset} has malformed headers";
                return;
            }

            var value = headers[..valueLength];
            headers = headers[valueLength..];
            if (!isString)
            {
                continue;
            }

            if (name.SequenceEqual(":message-type"u8))
            {
                messageType = value;
            }
            else if (name.SequenceEqual(":event-type"u8))
            {
                eventType = value;
            }
            else if (name.SequenceEqual(":exception-type"u8))
            {
                exceptionType = value;
            }
            else if (name.SequenceEqual(":error-code"u8))
            {
                errorCode = value;
            }
            else if (name.SequenceEqual(":error-message"u8))
            {
                errorMessage = value;
            }
        }

        MessageCount++;
        _handler.OnMessage(new EventStreamMessage
        {
            MessageType = messageType,
            EventType = eventType,
            ExceptionType = exceptionType,
            ErrorCode = errorCode,
            ErrorMessage = errorMessage,
            Payload = payload,
        });
    }
}
