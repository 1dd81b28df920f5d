using System.Text;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>The rules of one parse: whether message text is captured at all, and how much of it.</summary>
internal sealed class ParseContext
{
    public ParseContext(bool storePrompts, int maxTextBytes)
    {
        StorePrompts = storePrompts;
        Prompt = new TextBudget(maxTextBytes);
        Completion = new TextBudget(maxTextBytes);
    }

    /// <summary>Gets a value indicating whether message text is captured (false: prompts and completion stay null).</summary>
    public bool StorePrompts { get; }

    /// <summary>Gets the text budget of the request side (prompt messages).</summary>
    public TextBudget Prompt { get; }

    /// <summary>Gets the text budget of the response side (completion message).</summary>
    public TextBudget Completion { get; }

    /// <summary>Gets a value indicating whether anything was cut.</summary>
    public bool Truncated => _truncated || Prompt.Truncated || Completion.Truncated;

    private bool _truncated;

    /// <summary>Records that something was cut or lost (a body over the capture limit, a dropped stream line).</summary>
    public void MarkTruncated() => _truncated = true;
}

/// <summary>
/// A budget of UTF-8 bytes of text kept from one body; text beyond it is cut (never inside a
/// surrogate pair) and the budget remembers that it cut something.
/// </summary>
internal sealed class TextBudget
{
    private int _remaining;

    public TextBudget(int maxBytes)
    {
        _remaining = Math.Max(0, maxBytes);
    }

    /// <summary>Gets a value indicating whether text was cut.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Gets the bytes left.</summary>
    public int Remaining => _remaining;

    /// <summary>Takes as much of a string as the budget allows.</summary>
    public string? Take(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes <= _remaining)
        {
            _remaining -= bytes;
            return text;
        }

        var chars = CharsWithin(text, _remaining);
        _remaining -= Encoding.UTF8.GetByteCount(text.AsSpan(0, chars));
        Truncated = true;
        return text[..chars];
    }

    /// <summary>Appends as much of a piece as the budget allows.</summary>
    public void Append(StringBuilder builder, ReadOnlySpan<char> piece)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        if (_remaining <= 0)
        {
            Truncated = true;
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(piece);
        if (bytes <= _remaining)
        {
            _remaining -= bytes;
            builder.Append(piece);
            return;
        }

        var chars = CharsWithin(piece, _remaining);
        _remaining -= Encoding.UTF8.GetByteCount(piece[..chars]);
        builder.Append(piece[..chars]);
        Truncated = true;
    }

    private static int CharsWithin(ReadOnlySpan<char> text, int maxBytes)
    {
        if (maxBytes <= 0)
        {
            return 0;
        }

        var chars = Math.Min(text.Length, maxBytes);
        while (chars > 0 && Encoding.UTF8.GetByteCount(text[..chars]) > maxBytes)
        {
            // Each char is at most 3 UTF-8 bytes (4 for a surrogate pair, i.e. 2 per char).
            var over = Encoding.UTF8.GetByteCount(text[..chars]) - maxBytes;
            chars -= Math.Max(1, over / 3);
        }

        if (chars > 0 && char.IsHighSurrogate(text[chars - 1]))
        {
            chars--;
        }

        return Math.Max(0, chars);
    }
}
