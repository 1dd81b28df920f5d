namespace Zespan.Extensions.Redaction.Internal;

/// <summary>
/// The redact keys of one options snapshot, normalized once, with the spec's matching rule.
/// </summary>
/// <remarks>
/// A key is normalized by lower-casing it (invariant) and turning <c>-</c> and <c>.</c> into <c>_</c>. It
/// matches a redact key <c>k</c> when it equals <c>k</c>, ends with <c>_k</c>, or starts with <c>k_</c>. So the
/// candidates are the whole key, every prefix that ends just before an <c>_</c> and every suffix that starts
/// just after one; each is looked up in a hash set through a span, without allocating.
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
        foreach (var key in keys)
        {
            _maxKeyLength = Math.Max(_maxKeyLength, key.Length);
        }
    }

    /// <summary>Gets the normalized keys.</summary>
    public IReadOnlySet<string> Keys { get; }

    public bool IsEmpty => Keys.Count == 0;

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

        if (key.Length <= StackLimit)
        {
            Span<char> buffer = stackalloc char[key.Length];
            Normalize(key, buffer);
            return MatchesNormalized(buffer);
        }

        var heap = new char[key.Length];
        Normalize(key, heap);
        return MatchesNormalized(heap);
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
