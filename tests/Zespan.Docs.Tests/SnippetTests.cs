namespace Zespan.Docs.Tests;

/// <summary>
/// Every C# block of README.md, docs/ and the packages' PACKAGE.md compiles as shown, with its usings, as a
/// <c>dotnet new web</c> app would compile it. On a page, each block with top-level statements is compiled as the
/// <c>Program.cs</c> of a project that also holds the page's declaration-only blocks (a controller, a class), as a
/// reader who copies the page would have them. A block marked <c>&lt;!-- snippet: fragment --&gt;</c> on the line
/// before its fence is deliberately a part (a line to add, a shape to follow) and is not compiled; README.md has none.
/// </summary>
public sealed class SnippetTests
{
    public static TheoryData<string> PagesWithCSharp()
    {
        var data = new TheoryData<string>();
        foreach (var page in Repository.DocumentationPages.Concat(Repository.PackagePages))
        {
            if (MarkdownSnippets.CSharpBlocks(page).Count > 0)
            {
                data.Add(page);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PagesWithCSharp))]
    public void CSharpBlocks_OfThePage_CompileAsShown(string page)
    {
        var blocks = MarkdownSnippets.CSharpBlocks(page).Where(static b => !b.IsFragment).ToList();
        var programs = blocks.Where(SnippetCompiler.IsProgram).ToList();
        var declarations = blocks.Except(programs).ToList();

        var problems = new List<string>();
        if (programs.Count == 0)
        {
            problems.AddRange(SnippetCompiler.Compile(declarations));
        }

        foreach (var program in programs)
        {
            problems.AddRange(SnippetCompiler.Compile([program, .. declarations]));
        }

        Assert.True(problems.Count == 0, $"{page}: its C# blocks do not compile as shown (mark a deliberate part with <!-- snippet: fragment -->):\n" + string.Join('\n', problems.Distinct()));
    }

    [Fact]
    public void Readme_EveryCSharpBlock_IsWholeNotAFragment()
    {
        var blocks = MarkdownSnippets.CSharpBlocks("README.md");

        Assert.NotEmpty(blocks);
        Assert.All(blocks, b => Assert.False(b.IsFragment, $"{b}: README.md's C# blocks must all compile; this one is marked a fragment"));
    }

    [Fact]
    public void Readme_ConsumerApp_IsOneWholeProgram()
    {
        // .ci/consumer-test.sh builds and runs this block as the Program.cs of a fresh `dotnet new web` app.
        var app = Assert.Single(MarkdownSnippets.CSharpBlocks("README.md"), static b => b.Marker == Snippet.ConsumerApp);

        Assert.True(SnippetCompiler.IsProgram(app));
        Assert.Contains("AddZespan(", app.Code, StringComparison.Ordinal);
        Assert.DoesNotContain("Guardrails", app.Code, StringComparison.Ordinal);   // the headline is tracing only
        Assert.DoesNotContain("ModelOverrides", app.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void Markers_OnEveryPage_AreKnown()
    {
        var unknown = Repository.DocumentationPages.Concat(Repository.PackagePages)
            .SelectMany(MarkdownSnippets.CSharpBlocks)
            .Where(static b => b.Marker is not null and not Snippet.Fragment and not Snippet.ConsumerApp)
            .Select(static b => $"{b}: unknown marker '{b.Marker}'")
            .ToList();

        Assert.True(unknown.Count == 0, string.Join('\n', unknown));
    }

    [Fact]
    public void Compiler_ABrokenSnippet_IsReportedWithItsPageAndLine()
    {
        // Guards the test itself: a snippet that does not compile must not pass.
        var broken = new Snippet("docs/example.md", 10, "var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddZespanTypo();\n", null);

        var problems = SnippetCompiler.Compile([broken]);

        Assert.Contains(problems, p => p.StartsWith("docs/example.md:12: error CS1061", StringComparison.Ordinal));
    }
}
