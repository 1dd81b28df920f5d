using System.Buffers;

namespace Zespan.Extensions.Redaction.Internal;

/// <summary>
/// The redact keys of one options snapshot, normalized once, with the spec's matching rule.
/// </summary>
/// <remarks>
/// <para>
/// A key is normalized by lower-casing it (invariant) and turning <c>-</c> and <c>.</c> into <c>_</c>; a case
/// change is a word boundary too (<c>accessToken</c>, <c>AccessToken</c> and <c>APIKey</c> read as
/// <c>access_token</c> and <c>api_key</c>: a boundary before an upper-case letter that follows a lower-case letter
/// or a digit, and before the last upper-case letter of a run that a lower-case letter follows). It matches a
/// redact key <c>k</c> when it equals <c>k</c>, ends with <c>_k</c>, or starts with <c>k_</c>.
/// </para>
/// <para>
/// Both readings of a key are tried, with and without the case boundaries, and a configured key is kept in both,
/// so every key that matched before case boundaries counted still matches (<c>APIKEY</c> matches <c>apikey</c>,
/// <c>ClientSecret</c> configured matches <c>clientsecret</c> and <c>client_secret</c>). The candidates are the
/// whole key, every prefix that ends just before an <c>_</c> and every suffix that starts just after one; each is
/// looked up in a hash set through a span, without allocating.
/// </para>
/// </remarks>
internal sealed class RedactionKeySet
{
    /// <summary>What a redacted value is replaced with.</summary>
    public const string Redacted = "[REDACTED]";

    private const int StackLimit = 256;

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _maxKeyLength;

    private RedactionKeySet(HashSet<string> keys)
    {
        Keys = keys;
        _lookup = keys.GetAlternateLookup<ReadOnlySpan<char>>();
        var fragments = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            _maxKeyLength = Math.Max(_maxKeyLength, key.Length);
            if (fragments is not null && LongestWord(key) is { Length: > 0 } word)
            {
                fragments.Add(word);
            }
            else
            {
                fragments = null; // a key of underscores alone: no word to look for, so no text is ruled out
            }
        }

        Fragments = fragments is { Count: > 0 } ? SearchValues.Create([.. fragments], StringComparison.OrdinalIgnoreCase) : null;
    }

    /// <summary>Gets the normalized keys.</summary>
    public IReadOnlySet<string> Keys { get; }

    public bool IsEmpty => Keys.Count == 0;

    /// <summary>
    /// Gets one word of every key (its longest run without <c>_</c>), for a single vectorized, case-insensitive search:
    /// a key in text (any spelling that normalizes to a match) holds each of its words, so ASCII text where none of
    /// them occurs holds no key. Null when some key has no word (then no text can be ruled out).
    /// </summary>
    public SearchValues<string>? Fragments { get; }

    /// <summary>Builds the set from the options: the defaults plus <c>RedactKeys</c>, or <c>RedactKeys</c> alone when <c>ReplaceDefaultRedactKeys</c>.</summary>
    public static RedactionKeySet Create(ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(options.ReplaceDefaultRedactKeys ? options.RedactKeys : [.. ZespanOptions.DefaultRedactKeys, .. options.RedactKeys]);
    }

    public static RedactionKeySet Create(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                continue;
            }

            var trimmed = key.Trim();
            var buffer = new char[trimmed.Length];
            Normalize(trimmed, buffer);
            set.Add(new string(buffer));
            if (HasCaseBoundary(trimmed))
            {
                var split = new char[trimmed.Length * 2];
                set.Add(new string(split, 0, NormalizeSplit(trimmed, split)));
            }
        }

        return new RedactionKeySet(set);
    }

    /// <summary>Gets a value indicating whether a key (a tag or metadata name, a JSON property, a key in text) must be redacted.</summary>
    public bool Matches(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || IsEmpty)
        {
            return false;
        }

        var boundary = HasCaseBoundary(key);
        if (key.Length <= StackLimit)
        {
            Span<char> buffer = stackalloc char[key.Length];
            Normalize(key, buffer);
            if (MatchesNormalized(buffer))
            {
                return true;
            }

            if (!boundary)
            {
                return false;
            }

            Span<char> split = stackalloc char[key.Length * 2];
            return MatchesNormalized(split[..NormalizeSplit(key, split)]);
        }

        var heap = new char[key.Length * 2];
        Normalize(key, heap);
        if (MatchesNormalized(heap.AsSpan(0, key.Length)))
        {
            return true;
        }

        return boundary && MatchesNormalized(heap.AsSpan(0, NormalizeSplit(key, heap)));
    }

    private static string LongestWord(string key)
    {
        var best = string.Empty;
        foreach (var range in key.AsSpan().Split('_'))
        {
            if (range.End.GetOffset(key.Length) - range.Start.GetOffset(key.Length) > best.Length)
            {
                best = key[range];
            }
        }

        return best;
    }

    /// <summary>Gets a value indicating whether a key changes case where a word boundary would be read (<c>accessToken</c>, <c>APIKey</c>).</summary>
    internal static bool HasCaseBoundary(ReadOnlySpan<char> key)
    {
        for (var i = 1; i < key.Length; i++)
        {
            if (IsBoundary(key, i))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Writes the key lower-cased with <c>-</c> and <c>.</c> as <c>_</c> and an <c>_</c> at each case boundary;
    /// <paramref name="destination"/> holds twice the key's length. Returns the length written.
    /// </summary>
    internal static int NormalizeSplit(ReadOnlySpan<char> key, Span<char> destination)
    {
        var length = 0;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (i > 0 && length > 0 && destination[length - 1] != '_' && IsBoundary(key, i))
            {
                destination[length++] = '_';
            }

            destination[length++] = c is '-' or '.' ? '_' : char.ToLowerInvariant(c);
        }

        return length;
    }

    /// <summary>A boundary before <paramref name="i"/>: an upper-case letter after a lower-case letter or digit, or the last upper-case letter of a run before a lower-case letter.</summary>
    private static bool IsBoundary(ReadOnlySpan<char> key, int i)
    {
        var c = key[i];
        if (!char.IsUpper(c))
        {
            return false;
        }

        var previous = key[i - 1];
        return char.IsLower(previous) || char.IsDigit(previous)
            || (char.IsUpper(previous) && i + 1 < key.Length && char.IsLower(key[i + 1]));
    }

    private static void Normalize(ReadOnlySpan<char> key, Span<char> destination)
    {
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            destination[i] = c is '-' or '.' ? '_' : char.ToLowerInvariant(c);
        }
    }

    private bool MatchesNormalized(ReadOnlySpan<char> key)
    {
        if (key.Length <= _maxKeyLength && _lookup.Contains(key))
        {
            return true;
        }

        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] != '_')
            {
                continue;
            }

            // starts with "k_": the part before this underscore
            if (i > 0 && i <= _maxKeyLength && _lookup.Contains(key[..i]))
            {
                return true;
            }

            // ends with "_k": the part after this underscore
            var rest = key.Length - i - 1;
            if (rest > 0 && rest <= _maxKeyLength && _lookup.Contains(key[(i + 1)..]))
            {
                return true;
            }
        }

        return false;
    }
}
