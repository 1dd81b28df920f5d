using System.Text;

namespace Zespan.Extensions.Tests.Properties;

/// <summary>Deterministic mutations of fixture bytes: truncation, splicing, byte flips, hostile insertions, growth.</summary>
internal static class Mutations
{
    public const int Kinds = 9;

    private static readonly byte[][] Tokens =
    [
        "\n"u8.ToArray(), "\r"u8.ToArray(), "\r\n"u8.ToArray(), "\n\n"u8.ToArray(), "data: "u8.ToArray(), ":"u8.ToArray(),
        "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), "\""u8.ToArray(), "\\"u8.ToArray(),
        "\\uD800"u8.ToArray(), "\\uDFFF\\uD800"u8.ToArray(), [0x00], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF],
        "event: message_stop\n"u8.ToArray(), "data: [DONE]\n\n"u8.ToArray(), ",\"model\":\"\\uD800\""u8.ToArray(),
        "{\"a\":{\"a\":{\"a\":[[[[[[[["u8.ToArray(), "1e400"u8.ToArray(), "-0"u8.ToArray(), "\"usage\":"u8.ToArray(),
        [0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00], [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    ];

    public static string Name(int kind) => kind switch
    {
        0 => "none",
        1 => "truncate",
        2 => "splice",
        3 => "flip",
        4 => "insert",
        5 => "grow",
        6 => "delete",
        7 => "random",
        _ => "shuffle-chunks",
    };

    /// <summary>Applies mutation <paramref name="kind"/> to <paramref name="body"/>, with <paramref name="other"/> for splices.</summary>
    public static byte[] Apply(int kind, byte[] body, byte[] other, int seed)
    {
        var random = new Random(seed);
        switch (kind)
        {
            case 0:
                return body;
            case 1:
                return body[..random.Next(body.Length + 1)];
            case 2:
                return [.. body.AsSpan(0, random.Next(body.Length + 1)), .. other.AsSpan(random.Next(other.Length + 1))];
            case 3:
            {
                var copy = (byte[])body.Clone();
                for (var i = random.Next(1, 9); i > 0 && copy.Length > 0; i--)
                {
                    copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
                }

                return copy;
            }

            case 4:
            {
                var result = new List<byte>(body);
                for (var i = random.Next(1, 6); i > 0; i--)
                {
                    result.InsertRange(random.Next(result.Count + 1), Tokens[random.Next(Tokens.Length)]);
                }

                return [.. result];
            }

            case 5:
            {
                if (body.Length == 0)
                {
                    return body;
                }

                var start = random.Next(body.Length);
                var length = Math.Max(1, random.Next(body.Length - start + 1));
                var slice = body.AsSpan(start, length).ToArray();
                var times = Math.Max(2, random.Next(2, (1 << 20) / length + 2));
                var grown = new byte[start + (slice.Length * times) + (body.Length - start)];
                body.AsSpan(0, start).CopyTo(grown);
                for (var t = 0; t < times; t++)
                {
                    slice.CopyTo(grown, start + (t * slice.Length));
                }

                body.AsSpan(start).CopyTo(grown.AsSpan(start + (slice.Length * times)));
                return grown;
            }

            case 6:
            {
                if (body.Length == 0)
                {
                    return body;
                }

                var start = random.Next(body.Length);
                var end = Math.Min(body.Length, start + random.Next(1, 200));
                return [.. body.AsSpan(0, start), .. body.AsSpan(end)];
            }

            case 7:
            {
                var bytes = new byte[random.Next(0, 4096)];
                random.NextBytes(bytes);
                return bytes;
            }

            default:
            {
                // Cut in chunks and put them back in another order.
                var chunks = new List<byte[]>();
                for (var i = 0; i < body.Length;)
                {
                    var n = Math.Min(body.Length - i, random.Next(1, 512));
                    chunks.Add(body.AsSpan(i, n).ToArray());
                    i += n;
                }

                return [.. chunks.OrderBy(_ => random.Next()).SelectMany(c => c)];
            }
        }
    }

    private static readonly byte[][] HostileModels =
    [
        "\"gpt\\uD800x\""u8.ToArray(), "\"\\uDC00\""u8.ToArray(), [(byte)'"', 0xC3, 0x28, 0xFF, (byte)'"'], "\"\""u8.ToArray(), "12"u8.ToArray(),
        "{\"model\":\"x\"}"u8.ToArray(), "null"u8.ToArray(), "[\"a\"]"u8.ToArray(), "\"gpt-4o\\u0000\""u8.ToArray(), "\"gpt-unmatched\""u8.ToArray(),
    ];

    /// <summary>Replaces the value of the first <c>"model"</c> property with a hostile one (undecodable, empty, of another type).</summary>
    public static byte[] PoisonModel(byte[] body, int seed)
    {
        var index = body.AsSpan().IndexOf("\"model\""u8);
        if (index < 0)
        {
            return body;
        }

        var colon = body.AsSpan(index + 7).IndexOf((byte)':');
        if (colon < 0)
        {
            return body;
        }

        var start = index + 7 + colon + 1;
        var end = start;
        while (end < body.Length && body[end] is not (byte)',' and not (byte)'}')
        {
            end++;
        }

        return [.. body.AsSpan(0, start), .. HostileModels[(uint)seed % HostileModels.Length], .. body.AsSpan(end)];
    }

    /// <summary>A short description of a body for a failure message.</summary>
    public static string Describe(byte[] body) =>
        body.Length <= 120 ? Convert.ToHexString(body) : $"{body.Length} bytes, starting {Encoding.UTF8.GetString(body, 0, 80).ReplaceLineEndings("\\n")}";
}
