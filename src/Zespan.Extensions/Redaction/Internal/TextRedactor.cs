using System.Text;

namespace Zespan.Extensions.Redaction.Internal;

/// <summary>
/// Redacts secrets written as <c>key: value</c> or <c>key=value</c> in free text (prompts, completions,
/// error messages).
/// </summary>
/// <remarks>
/// <para>
/// The scanner jumps from one <c>:</c> or <c>=</c> to the next (a vectorized search), and only there looks
/// back for a key: a run of letters, digits, <c>_</c>, <c>-</c> and <c>.</c>, optionally closed by a quote
/// (<c>"api_key": ...</c>, or <c>\"api_key\": ...</c> inside an escaped JSON string) and spaces. When the key
/// matches (<see cref="RedactionKeySet.Matches"/>) its value is replaced by <c>[REDACTED]</c>, key and quotes
/// kept: a quoted value up to its closing quote (backslash escapes honoured), otherwise everything up to the end
/// of the line or the next <c>,</c> <c>;</c> <c>}</c>, trailing spaces excluded. So
/// <c>authorization: Bearer sk-123</c> becomes <c>authorization: [REDACTED]</c>.
/// </para>
/// <para>Text without a matching key is returned as the same instance, and nothing is allocated for it.</para>
/// </remarks>
internal static class TextRedactor
{
    public static string Redact(string text, RedactionKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.IsEmpty || text.Length < 2)
        {
            return text;
        }

        var span = text.AsSpan();
        var position = 0;
        var floor = 0;
        var copied = 0;
        StringBuilder? builder = null;
        while (position < span.Length)
        {
            var offset = span[position..].IndexOfAny(':', '=');
            if (offset < 0)
            {
                break;
            }

            var separator = position + offset;
            if (!KeyBefore(span, separator, floor, out var keyStart, out var keyEnd) || !keys.Matches(span[keyStart..keyEnd]))
            {
                position = separator + 1;
                continue;
            }

            FindValue(span, separator + 1, out var valueStart, out var valueEnd, out var resume);
            if (valueEnd > valueStart)
            {
                builder ??= new StringBuilder(text.Length + 16);
                builder.Append(text, copied, valueStart - copied).Append(RedactionKeySet.Redacted);
                copied = valueEnd;
            }

            position = floor = Math.Max(resume, separator + 1);
        }

        if (builder is null)
        {
            return text;
        }

        builder.Append(text, copied, text.Length - copied);
        return builder.ToString();
    }

    /// <summary>Gets a value indicating whether the text may hold a <c>key: value</c> pair at all.</summary>
    public static bool MayContainPair(string text) => text.AsSpan().IndexOfAny(':', '=') >= 0;

    private static bool KeyBefore(ReadOnlySpan<char> text, int separator, int floor, out int start, out int end)
    {
        end = separator;
        while (end > floor && text[end - 1] is ' ' or '\t')
        {
            end--;
        }

        if (end > floor && text[end - 1] is '"' or '\'')
        {
            end--;
            if (end > floor && text[end - 1] == '\\')
            {
                end--;
            }
        }

        start = end;
        while (start > floor && IsKeyChar(text[start - 1]))
        {
            start--;
        }

        return start < end;
    }

    private static void FindValue(ReadOnlySpan<char> text, int from, out int start, out int end, out int resume)
    {
        var i = from;
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        if (i < text.Length && text[i] is '"' or '\'')
        {
            var quote = text[i];
            for (var k = i + 1; k < text.Length; k++)
            {
                var c = text[k];
                if (c == '\\')
                {
                    k++;
                    continue;
                }

                if (c == quote)
                {
                    start = i + 1;
                    end = k;
                    resume = k + 1;
                    return;
                }

                if (c is '\n' or '\r')
                {
                    break;
                }
            }

            // No closing quote on the line: treat what follows the quote as an unquoted value.
            Unquoted(text, i + 1, out start, out end, out resume);
            return;
        }

        if (i + 1 < text.Length && text[i] == '\\' && text[i + 1] == '"')
        {
            // An escaped quote: the value of a key inside a JSON string that holds JSON.
            for (var k = i + 2; k + 1 < text.Length; k++)
            {
                if (text[k] == '\\' && text[k + 1] == '"')
                {
                    start = i + 2;
                    end = k;
                    resume = k + 2;
                    return;
                }

                if (text[k] == '\\')
                {
                    k++;
                }
                else if (text[k] is '\n' or '\r')
                {
                    break;
                }
            }

            Unquoted(text, i + 2, out start, out end, out resume);
            return;
        }

        Unquoted(text, i, out start, out end, out resume);
    }

    private static void Unquoted(ReadOnlySpan<char> text, int from, out int start, out int end, out int resume)
    {
        var k = from;
        while (k < text.Length && text[k] is not ('\n' or '\r' or ',' or ';' or '}'))
        {
            k++;
        }

        resume = k;
        start = from;
        end = k;
        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }
    }

    private static bool IsKeyChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-' or '.';
}
