using System.Text.RegularExpressions;

namespace Zespan.Docs.Tests;

/// <summary>One fenced <c>```csharp</c> block of a Markdown page.</summary>
/// <param name="Page">The page, relative to the repository.</param>
/// <param name="Line">The line of its opening fence (1-based).</param>
/// <param name="Code">Its text.</param>
/// <param name="Marker">The <c>&lt;!-- snippet: name --&gt;</c> comment on the line before the fence, or null.</param>
internal sealed record Snippet(string Page, int Line, string Code, string? Marker)
{
    /// <summary>Marks a block that is deliberately not a whole file (a line to add, a shape to follow): not compiled.</summary>
    public const string Fragment = "fragment";

    /// <summary>Marks README.md's minimal <c>Program.cs</c>, the one .ci/consumer-test.sh builds and runs in a fresh app.</summary>
    public const string ConsumerApp = "consumer-app";

    public bool IsFragment => Marker == Fragment;

    public override string ToString() => $"{Page}:{Line}";
}

/// <summary>Reads the C# blocks and the links of Markdown pages.</summary>
internal static partial class MarkdownSnippets
{
    public static IReadOnlyList<Snippet> CSharpBlocks(string page)
    {
        var lines = Repository.Read(page).Split('\n');
        var blocks = new List<Snippet>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() != "```csharp")
            {
                continue;
            }

            var marker = i > 0 && MarkerPattern().Match(lines[i - 1]) is { Success: true } m ? m.Groups[1].Value : null;
            var start = i;
            var code = new List<string>();
            for (i++; i < lines.Length && lines[i].TrimEnd() != "```"; i++)
            {
                code.Add(lines[i]);
            }

            blocks.Add(new Snippet(page, start + 1, string.Join('\n', code) + "\n", marker));
        }

        return blocks;
    }

    /// <summary>Every Markdown link target of a page (<c>[text](target)</c>), with its line, outside code blocks and code spans.</summary>
    public static IReadOnlyList<(int Line, string Target)> Links(string page)
    {
        var links = new List<(int, string)>();
        var inFence = false;
        var lines = Repository.Read(page).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence)
            {
                continue;
            }

            var text = CodeSpanPattern().Replace(lines[i], string.Empty);
            foreach (Match link in LinkPattern().Matches(text))
            {
                links.Add((i + 1, link.Groups[1].Value));
            }
        }

        return links;
    }

    /// <summary>The anchors GitHub gives a page's headings (lower case, punctuation dropped, spaces to hyphens).</summary>
    public static ISet<string> Anchors(string page)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in Repository.Read(page).Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && HeadingPattern().Match(line) is { Success: true } heading)
            {
                var slug = AnchorDropPattern().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-');
                var unique = slug;
                for (var n = 1; !anchors.Add(unique); n++)
                {
                    unique = $"{slug}-{n}";
                }
            }
        }

        return anchors;
    }

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*([a-z-]+)\s*-->\s*$")]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex CodeSpanPattern();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"[^\p{L}\p{Nd}\s_-]")]
    private static partial Regex AnchorDropPattern();
}
