using System.CommandLine;
using System.Globalization;

namespace Zespan.Samples.Quickstart;

/// <summary>The quickstart's command line (System.CommandLine): its options, their validation and the generated <c>--help</c>.</summary>
internal static class QuickstartCommandLine
{
    private static readonly Option<string> Db = new("--db")
    {
        Description = "the dev server's SQLite file; its directory is created",
        HelpName = "path",
        DefaultValueFactory = static _ => QuickstartOptions.DefaultDatabasePath,
        Validators =
        {
            static result =>
            {
                if (result.Tokens.Any(static t => string.IsNullOrWhiteSpace(t.Value) || t.Value.StartsWith("--", StringComparison.Ordinal)))
                {
                    result.AddError("--db needs a value.");
                }
            },
        },
    };

    private static readonly Option<int?> Port = new("--port")
    {
        Description = "the dev server's port; 0 takes a free one (default: 5087 if free, else a free one)",
        HelpName = "n",
        CustomParser = static result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
            {
                return port;
            }

            result.AddError($"--port needs a number from 0 to 65535, not '{text}'.");
            return null;
        },
    };

    private static readonly Option<bool> KeepRunning = new("--keep-running")
    {
        Description = "after the report, keep the dev server, its trace viewer and the WebApi sample up until Ctrl+C, SIGTERM (docker stop, a process manager) or the parent process ends",
    };

    private static readonly RootCommand Root = new("The Zespan quickstart: the dev server, the WebApi sample and the SDK, in one process, offline.\nRun it with: dotnet run --project samples/Zespan.Samples.Quickstart [-- options]")
    {
        Db,
        Port,
        KeepRunning,
    };

    /// <summary>The generated help text.</summary>
    public static string Usage => BuiltInOutput(["--help"]);

    /// <summary>What System.CommandLine's own action for <paramref name="args"/> writes: the help for <c>--help</c>, the version for <c>--version</c>.</summary>
    public static string BuiltInOutput(IReadOnlyList<string> args)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Root.Parse(args).Invoke(new InvocationConfiguration { Output = writer, Error = writer });
        return writer.ToString();
    }

    /// <summary>
    /// Parses <paramref name="args"/>; false with the first problem as <paramref name="error"/>, or with
    /// <paramref name="help"/> for <c>--help</c> and <c>--version</c> (their text: <see cref="BuiltInOutput"/>).
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, out QuickstartOptions options, out string? error, out bool help)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = new QuickstartOptions();
        var result = Root.Parse(args);

        // the root command has no action of its own: one without errors is --help's or --version's
        help = result.Errors.Count == 0 && result.Action is not null;
        if (help)
        {
            error = null;
            return false;
        }

        if (result.Errors.Count > 0)
        {
            error = result.Errors[0].Message;
            return false;
        }

        error = null;
        options.DatabasePath = result.GetValue(Db) ?? QuickstartOptions.DefaultDatabasePath;
        options.Port = result.GetValue(Port);
        options.KeepRunning = result.GetValue(KeepRunning);
        return true;
    }
}
