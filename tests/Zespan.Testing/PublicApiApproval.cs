using System.Reflection;
using PublicApiGenerator;

namespace Zespan.Testing;

/// <summary>
/// Compares an assembly's public surface, as PublicApiGenerator writes it (C# declarations with nullability,
/// attributes and default values), with the approved file in a test project's <c>PublicApi</c> folder.
/// With ZESPAN_UPDATE_PUBLIC_API=1 it rewrites the file instead.
/// </summary>
public static class PublicApiApproval
{
    private static readonly ApiGeneratorOptions Options = new()
    {
        // PublicApiGenerator leaves out Microsoft.* and System.* namespaces unless allowed; the packages put their
        // registration extensions where users look for them.
        AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.AI"],
        // The assembly attributes (InternalsVisibleTo, TargetFramework, ...) are not the surface users rely on.
        ExcludeAttributes =
        [
            "System.Runtime.CompilerServices.InternalsVisibleToAttribute",
            "System.Runtime.Versioning.TargetFrameworkAttribute",
            "System.Reflection.AssemblyMetadataAttribute",
        ],
    };

    /// <summary>Throws when the public API of <paramref name="assembly"/> differs from the approved file.</summary>
    public static void Verify(Assembly assembly, string testProjectFile, string approvedFileName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var actual = assembly.GeneratePublicApi(Options).ReplaceLineEndings("\n");
        var approvedPath = Path.Combine(FindProjectDirectory(testProjectFile), "PublicApi", approvedFileName);
        if (Environment.GetEnvironmentVariable("ZESPAN_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return;
        }

        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (approved == actual)
        {
            return;
        }

        var receivedPath = Path.ChangeExtension(approvedPath, ".received.txt");
        File.WriteAllText(receivedPath, actual);
        var approvedLines = approved.Split('\n').ToHashSet(StringComparer.Ordinal);
        var actualLines = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
        var added = actual.Split('\n').Where(l => !approvedLines.Contains(l)).Take(20);
        var removed = approved.Split('\n').Where(l => !actualLines.Contains(l)).Take(20);
        throw new PublicApiChangedException(
            $"The public API of {assembly.GetName().Name} changed. Review {receivedPath}; if intended, rerun with ZESPAN_UPDATE_PUBLIC_API=1 and commit the approved file.\n" +
            $"Added:\n  {string.Join("\n  ", added)}\nRemoved:\n  {string.Join("\n  ", removed)}");
    }

    private static string FindProjectDirectory(string testProjectFile)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, testProjectFile)))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the test project directory of " + testProjectFile + ".");
    }
}
