using System.Text;

namespace Zespan.DevServer.Storage;

/// <summary>Turns what a person types into an FTS5 query: every word must match (as a prefix); operators and quotes are taken literally.</summary>
internal static class FullText
{
    public const int MaxWords = 16;

    /// <summary>The MATCH expression, or null when the text has no word.</summary>
    public static string? Query(string text)
    {
        var query = new StringBuilder();
        var word = new StringBuilder();
        var words = 0;
        void Flush()
        {
            if (word.Length > 0 && words < MaxWords)
            {
                query.Append(query.Length > 0 ? " " : string.Empty).Append('"').Append(word).Append("\"*");
                words++;
            }

            word.Clear();
        }

        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(c);
            }
            else
            {
                Flush();
            }
        }

        Flush();
        return query.Length == 0 ? null : query.ToString();
    }
}
