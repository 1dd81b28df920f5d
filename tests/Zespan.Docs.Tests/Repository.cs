namespace Zespan.Docs.Tests;

/// <summary>The repository these tests run in, found from the test's output directory.</summary>
internal static class Repository
{
    public const string GitHubBlobUrl = "https://github.com/zespan/zespan-dotnet/blob/main/";

    public static string Root { get; } = FindRoot();

    /// <summary>README.md and every page of docs/, as repository-relative paths with forward slashes.</summary>
    public static IReadOnlyList<string> DocumentationPages { get; } =
        ["README.md", .. Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(Relative).Order(StringComparer.Ordinal)];

    /// <summary>The PACKAGE.md of every package under src/.</summary>
    public static IReadOnlyList<string> PackagePages { get; } =
        [.. Directory.GetFiles(Path.Combine(Root, "src"), "PACKAGE.md", SearchOption.AllDirectories).Select(Relative).Order(StringComparer.Ordinal)];

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath)).ReplaceLineEndings("\n");

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Zespan.Extensions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Zespan.Extensions.sln not found above " + AppContext.BaseDirectory);
    }
}
