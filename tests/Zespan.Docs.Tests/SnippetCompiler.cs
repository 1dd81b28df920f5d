using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Zespan.Docs.Tests;

/// <summary>
/// Compiles snippets as a <c>dotnet new web</c> app would: C# latest, nullable on, the Web SDK's implicit usings, against
/// the assemblies this test runs with (every Zespan package, ASP.NET Core, and the SDKs the docs use).
/// </summary>
internal static class SnippetCompiler
{
    /// <summary>The implicit global usings of a Microsoft.NET.Sdk.Web project.</summary>
    private const string WebSdkImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Net.Http.Json;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Hosting;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.AspNetCore.Routing;
        global using Microsoft.Extensions.Configuration;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(static () =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(static p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p)),
    ]);

    /// <summary>Whether a snippet has top-level statements (a <c>Program.cs</c>) rather than only declarations.</summary>
    public static bool IsProgram(Snippet snippet) =>
        CSharpSyntaxTree.ParseText(snippet.Code, ParseOptions).GetCompilationUnitRoot().Members.Any(static m => m is GlobalStatementSyntax);

    /// <summary>Compiles <paramref name="files"/> as one project; returns the errors and warnings, each with its snippet and line.</summary>
    public static IReadOnlyList<string> Compile(IReadOnlyList<Snippet> files)
    {
        var trees = files
            .Select(static s => CSharpSyntaxTree.ParseText(s.Code, ParseOptions, path: s.ToString()))
            .Append(CSharpSyntaxTree.ParseText(WebSdkImplicitUsings, ParseOptions, path: "GlobalUsings.g.cs"))
            .ToList();
        var kind = files.Any(IsProgram) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
        var compilation = CSharpCompilation.Create(
            "Snippet",
            trees,
            References.Value,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));

        return
        [
            .. compilation.GetDiagnostics()
                // CS1701/CS1702 (assembly version unification) are off in every SDK project too
                .Where(static d => d.Severity >= DiagnosticSeverity.Warning && d.Id is not ("CS8019" or "CS1701" or "CS1702"))
                .Select(static d => Describe(d)),
        ];
    }

    private static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        var where = span.Path is { Length: > 0 } path && path.Contains(':', StringComparison.Ordinal)
            ? $"{path[..path.LastIndexOf(':')]}:{int.Parse(path[(path.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture) + span.StartLinePosition.Line + 1}"
            : span.Path;
        return $"{where}: {diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
