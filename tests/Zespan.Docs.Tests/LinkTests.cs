namespace Zespan.Docs.Tests;

/// <summary>
/// The links of README.md and docs/ resolve inside the repository (files and headings); the packages' PACKAGE.md,
/// shown on a package page where a relative link leads nowhere, link only to absolute URLs, and those of this
/// repository resolve too.
/// </summary>
public sealed class LinkTests
{
    public static TheoryData<string> DocumentationPages() => [.. Repository.DocumentationPages];

    public static TheoryData<string> PackagePages() => [.. Repository.PackagePages];

    [Theory]
    [MemberData(nameof(DocumentationPages))]
    public void Links_OfAPage_ResolveToAFileAndHeadingOfTheRepository(string page)
    {
        var broken = new List<string>();
        foreach (var (line, target) in MarkdownSnippets.Links(page))
        {
            if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                if (target.StartsWith(Repository.GitHubBlobUrl, StringComparison.Ordinal) && Problem(target[Repository.GitHubBlobUrl.Length..], fromPage: null) is { } absoluteProblem)
                {
                    broken.Add($"{page}:{line}: {target}: {absoluteProblem}");
                }

                continue;
            }

            if (Problem(target, fromPage: page) is { } problem)
            {
                broken.Add($"{page}:{line}: {target}: {problem}");
            }
        }

        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Theory]
    [MemberData(nameof(PackagePages))]
    public void Links_OfAPackagePage_AreAbsoluteAndThoseOfTheRepositoryResolve(string page)
    {
        var links = MarkdownSnippets.Links(page);
        var broken = new List<string>();
        foreach (var (line, target) in links)
        {
            if (!target.StartsWith("https://", StringComparison.Ordinal))
            {
                broken.Add($"{page}:{line}: {target}: a package page needs absolute https URLs (a relative link does not resolve on the package's page)");
            }
            else if (target.StartsWith(Repository.GitHubBlobUrl, StringComparison.Ordinal) && Problem(target[Repository.GitHubBlobUrl.Length..], fromPage: null) is { } problem)
            {
                broken.Add($"{page}:{line}: {target}: {problem}");
            }
        }

        Assert.NotEmpty(links);
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void Readme_DocumentationTable_LinksEveryPageOfDocs()
    {
        var linked = MarkdownSnippets.Links("README.md").Select(static l => l.Target.Split('#')[0]).ToHashSet(StringComparer.Ordinal);

        var missing = Repository.DocumentationPages.Where(p => p.StartsWith("docs/", StringComparison.Ordinal) && !linked.Contains(p)).ToList();

        Assert.True(missing.Count == 0, "README.md links none of: " + string.Join(", ", missing));
    }

    [Fact]
    public void Packages_EveryPackableProjectOfSrc_HasAPackagePage()
    {
        var projects = Directory.GetFiles(Path.Combine(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories);

        Assert.NotEmpty(projects);
        Assert.All(projects, p => Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(p)!, "PACKAGE.md")), $"{Repository.Relative(p)} has no PACKAGE.md beside it"));
    }

    [Fact]
    public void Links_ABrokenLinkAndAMissingHeading_AreFound()
    {
        // Guards the test itself.
        Assert.NotNull(Problem("docs/no-such-page.md", fromPage: "README.md"));
        Assert.NotNull(Problem("docs/guardrails.md#no-such-heading", fromPage: "README.md"));
        Assert.Null(Problem("docs/guardrails.md#streaming", fromPage: "README.md"));
        Assert.NotNull(Problem("../../outside.md", fromPage: "docs/guardrails.md"));
    }

    /// <summary>What is wrong with a repository-relative (or page-relative) link, or null.</summary>
    private static string? Problem(string target, string? fromPage)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = hash >= 0 ? target[..hash] : target;
        var anchor = hash >= 0 ? Uri.UnescapeDataString(target[(hash + 1)..]) : null;
        var baseDir = fromPage is null ? Repository.Root : Path.GetDirectoryName(Path.Combine(Repository.Root, fromPage))!;
        var file = path.Length == 0 && fromPage is not null ? Path.Combine(Repository.Root, fromPage) : Path.GetFullPath(Path.Combine(baseDir, Uri.UnescapeDataString(path)));
        if (!file.StartsWith(Repository.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return "leaves the repository";
        }

        if (!File.Exists(file) && !Directory.Exists(file))
        {
            return "no such file";
        }

        if (anchor is not null && file.EndsWith(".md", StringComparison.Ordinal) && !MarkdownSnippets.Anchors(Repository.Relative(file)).Contains(anchor))
        {
            return $"no heading '#{anchor}' in {Repository.Relative(file)}";
        }

        return null;
    }
}
