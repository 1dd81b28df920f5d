using Zespan.Extensions.Tests.PublicApi;

namespace Zespan.Extensions.AI.Tests.PublicApi;

/// <summary>
/// The public surface of Zespan.Extensions.AI, written down in an approved file (the generator is shared with
/// Zespan.Extensions.Tests). After an intended change, run the tests with ZESPAN_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicApi_ZespanExtensionsAI_MatchesApprovedFile()
    {
        var actual = PublicApiText.Generate(typeof(ZespanChatClient).Assembly);
        var approvedPath = Path.Combine(FindProjectDirectory(), "PublicApi", "Zespan.Extensions.AI.approved.txt");
        if (Environment.GetEnvironmentVariable("ZESPAN_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return;
        }

        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        Assert.Equal(approved, actual);
    }

    private static string FindProjectDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Zespan.Extensions.AI.Tests.csproj")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the test project directory.");
    }
}
