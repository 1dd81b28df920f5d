namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Turns a JSON document cut at an arbitrary byte (a body over the capture limit) into a valid one
/// holding everything that was complete: the last complete member or element is kept, a string value
/// cut in the middle is closed, and the open objects and arrays are closed.
/// </summary>
internal static class JsonRepair
{
    private const int MaxDepth = 256;

    private enum Expect : byte
    {
        Value,
        Key,
        Colon,
        CommaOrEnd,
    }

    /// <summary>Completes a cut JSON object or array.</summary>
    /// <returns>The completed JSON, or <see langword="null"/> when nothing usable came before the cut.</returns>
    public static byte[]? Complete(ReadOnlySpan<byte> cut)
    {
        Span<byte> stack = stackalloc byte[MaxDepth]; // '{' or '['
        Span<Expect> expect = stackalloc Expect[MaxDepth];
        var depth = 0;
        var safePos = -1;
        var safeDepth = 0;
        var i = 0;

        // Skip a byte-order mark and leading whitespace.
        if (cut.StartsWith("\uFEFF"u8))
        {
            i = 3;
        }

        var stringStart = -1;
        var stringIsValue = false;
        while (i < cut.Length)
        {
            var b = cut[i];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                i++;
                continue;
            }

            var state = depth > 0 ? expect[depth - 1] : Expect.Value;
            switch (b)
            {
                case (byte)'{' or (byte)'[':
                    if (state != Expect.Value || depth == MaxDepth)
                    {
                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    stack[depth] = b;
                    expect[depth] = b == (byte)'{' ? Expect.Key : Expect.Value;
                    depth++;
                    i++;
                    safePos = i;
                    safeDepth = depth;
                    continue;

                case (byte)'}' or (byte)']':
                    if (depth == 0 || stack[depth - 1] != (b == (byte)'}' ? (byte)'{' : (byte)'['))
                    {
                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    depth--;
                    i++;
                    if (ValueDone(expect, depth))
                    {
                        return cut[..i].ToArray();
                    }

                    safePos = i;
                    safeDepth = depth;
                    continue;

                case (byte)',':
                    if (state != Expect.CommaOrEnd)
                    {
                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    expect[depth - 1] = stack[depth - 1] == (byte)'{' ? Expect.Key : Expect.Value;
                    i++;
                    continue;

                case (byte)':':
                    if (state != Expect.Colon)
                    {
                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    expect[depth - 1] = Expect.Value;
                    i++;
                    continue;

                case (byte)'"':
                    if (state is not (Expect.Value or Expect.Key))
                    {
                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    stringStart = i;
                    stringIsValue = state == Expect.Value;
                    var end = FindStringEnd(cut, i + 1);
                    if (end < 0)
                    {
                        // Cut inside this string.
                        if (stringIsValue && depth > 0)
                        {
                            return BuildWithOpenString(cut, stringStart, stack[..depth]);
                        }

                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    i = end + 1;
                    if (state == Expect.Key)
                    {
                        expect[depth - 1] = Expect.Colon;
                        continue;
                    }

                    if (ValueDone(expect, depth))
                    {
                        return cut[..i].ToArray();
                    }

                    safePos = i;
                    safeDepth = depth;
                    continue;

                default:
                    // number or literal: a run of value characters that counts only when a delimiter follows it
                    if (state != Expect.Value)
                    {
                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    var runEnd = i;
                    while (runEnd < cut.Length && IsScalarChar(cut[runEnd]))
                    {
                        runEnd++;
                    }

                    // A run that reaches the cut counts only when it is a whole literal (a number may go on).
                    if (runEnd == i || (runEnd == cut.Length && !IsLiteral(cut[i..runEnd])))
                    {
                        return Build(cut, safePos, stack[..safeDepth]);
                    }

                    i = runEnd;
                    if (ValueDone(expect, depth))
                    {
                        return cut[..i].ToArray();
                    }

                    safePos = i;
                    safeDepth = depth;
                    continue;
            }
        }

        return Build(cut, safePos, stack[..safeDepth]);
    }

    private static bool ValueDone(Span<Expect> expect, int depth)
    {
        if (depth == 0)
        {
            return true; // the top-level value is complete
        }

        expect[depth - 1] = Expect.CommaOrEnd;
        return false;
    }

    private static bool IsLiteral(ReadOnlySpan<byte> run) =>
        run.SequenceEqual("true"u8) || run.SequenceEqual("false"u8) || run.SequenceEqual("null"u8);

    private static bool IsScalarChar(byte b) =>
        b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'z') or (byte)'-' or (byte)'+' or (byte)'.' or (byte)'E';

    private static int FindStringEnd(ReadOnlySpan<byte> data, int from)
    {
        for (var i = from; i < data.Length; i++)
        {
            if (data[i] == (byte)'\\')
            {
                i++;
            }
            else if (data[i] == (byte)'"')
            {
                return i;
            }
        }

        return -1;
    }

    private static byte[]? Build(ReadOnlySpan<byte> cut, int safePos, ReadOnlySpan<byte> openStack)
    {
        if (safePos < 0)
        {
            return null;
        }

        var result = new byte[safePos + openStack.Length];
        cut[..safePos].CopyTo(result);
        AppendClosers(result.AsSpan(safePos), openStack);
        return result;
    }

    private static byte[] BuildWithOpenString(ReadOnlySpan<byte> cut, int stringStart, ReadOnlySpan<byte> openStack)
    {
        var body = cut;

        // Drop an unfinished escape sequence: a lone backslash, or \u with fewer than four hex digits.
        var tail = Math.Max(stringStart + 1, body.Length - 6);
        for (var k = body.Length - 1; k >= tail; k--)
        {
            if (body[k] != (byte)'\\')
            {
                continue;
            }

            var backslashes = 0;
            for (var m = k; m > stringStart && body[m] == (byte)'\\'; m--)
            {
                backslashes++;
            }

            if (backslashes % 2 == 1)
            {
                var escapeLength = body.Length - k;
                var complete = escapeLength >= 2 && (body[k + 1] != (byte)'u' || escapeLength >= 6);
                if (!complete)
                {
                    body = body[..k];
                }
            }

            break;
        }

        // Drop an unfinished UTF-8 sequence.
        var lead = body.Length - 1;
        while (lead > stringStart && lead >= body.Length - 3 && (body[lead] & 0xC0) == 0x80)
        {
            lead--;
        }

        if (lead > stringStart && body[lead] >= 0xC0)
        {
            var needed = body[lead] >= 0xF0 ? 4 : body[lead] >= 0xE0 ? 3 : 2;
            if (body.Length - lead < needed)
            {
                body = body[..lead];
            }
        }

        var result = new byte[body.Length + 1 + openStack.Length];
        body.CopyTo(result);
        result[body.Length] = (byte)'"';
        AppendClosers(result.AsSpan(body.Length + 1), openStack);
        return result;
    }

    private static void AppendClosers(Span<byte> destination, ReadOnlySpan<byte> openStack)
    {
        for (var k = 0; k < openStack.Length; k++)
        {
            destination[k] = openStack[openStack.Length - 1 - k] == (byte)'{' ? (byte)'}' : (byte)']';
        }
    }
}
