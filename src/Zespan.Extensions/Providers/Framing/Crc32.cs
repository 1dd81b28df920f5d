namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as the AWS event stream uses it for its
/// prelude and message checksums. Table-driven; System.IO.Hashing is not available here.
/// The check value of the ASCII bytes <c>123456789</c> is <c>0xCBF43926</c>.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    /// <summary>Computes the CRC-32 of some bytes.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC-32 over more bytes (<paramref name="crc"/> is the result so far, 0 to start).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        var c = ~crc;
        foreach (var b in data)
        {
            c = table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
