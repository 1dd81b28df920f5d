using System.Reflection;

namespace Zespan.Extensions.Tests.PublicApi;

/// <summary>
/// Every public type and member is written down in an approved file, so a change to the surface is a
/// deliberate diff. After an intended change, run the tests with ZESPAN_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicApi_ZespanExtensions_MatchesApprovedFile() =>
        Verify(typeof(ZespanOptions).Assembly, "Zespan.Extensions.approved.txt");

    internal static void Verify(Assembly assembly, string approvedFileName)
    {
        var actual = PublicApiText.Generate(assembly);
        var approvedPath = Path.Combine(FindProjectDirectory(), "PublicApi", approvedFileName);
        if (Environment.GetEnvironmentVariable("ZESPAN_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return;
        }

        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (approved != actual)
        {
            var receivedPath = Path.ChangeExtension(approvedPath, ".received.txt");
            File.WriteAllText(receivedPath, actual);
            var approvedLines = approved.Split('\n').ToHashSet(StringComparer.Ordinal);
            var actualLines = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
            var added = actual.Split('\n').Where(l => !approvedLines.Contains(l)).Take(20);
            var removed = approved.Split('\n').Where(l => !actualLines.Contains(l)).Take(20);
            Assert.Fail($"The public API of {assembly.GetName().Name} changed. Review {receivedPath}; if intended, rerun with ZESPAN_UPDATE_PUBLIC_API=1 and commit.\nAdded:\n  {string.Join("\n  ", added)}\nRemoved:\n  {string.Join("\n  ", removed)}");
        }
    }

    private static string FindProjectDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Zespan.Extensions.Tests.csproj")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the test project directory.");
    }
}
