using Microsoft.Extensions.Logging;

namespace Zespan.Samples.Quickstart;

/// <summary>What the quickstart runs with.</summary>
public sealed class QuickstartOptions
{
    /// <summary>The dev server's documented default port, used when it is free.</summary>
    public const int DefaultPort = 5087;

    /// <summary>The generated help text (System.CommandLine, from the options below).</summary>
    public static string Usage => QuickstartCommandLine.Usage;

    /// <summary>What <c>--help</c> or <c>--version</c> in <paramref name="args"/> prints (when <see cref="TryParse"/> set its <c>help</c>).</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The generated help text or the version.</returns>
    public static string HelpOrVersion(string[] args) => QuickstartCommandLine.BuiltInOutput(args);

    /// <summary>Gets the default database file.</summary>
    public static string DefaultDatabasePath => Path.Combine(Path.GetTempPath(), "zespan-quickstart", "zespan-dev.db");

    /// <summary>Gets or sets the dev server's SQLite file.</summary>
    /// <value>The default is <see cref="DefaultDatabasePath"/>.</value>
    public string DatabasePath { get; set; } = DefaultDatabasePath;

    /// <summary>Gets or sets the dev server's port: a number, 0 for a free one, or null for 5087 when free and a free one otherwise.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int? Port { get; set; }

    /// <summary>Gets or sets whether to keep the servers up after the report until the token passed to the runner ends.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool KeepRunning { get; set; }

    /// <summary>Gets or sets the least level the in-process servers log to the console.</summary>
    /// <value>The default is <see cref="LogLevel.Error"/>, so only the quickstart's own lines show.</value>
    public LogLevel HostLogLevel { get; set; } = LogLevel.Error;

    /// <summary>Parses the command line (System.CommandLine: <c>--db</c>, <c>--port</c>, <c>--keep-running</c>, <c>-h</c>/<c>--help</c>).</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="options">The options, when the arguments are valid.</param>
    /// <param name="error">What is wrong, when they are not; null with <paramref name="help"/> set.</param>
    /// <param name="help">Whether help (or the version) was asked for: print <see cref="HelpOrVersion"/>.</param>
    /// <returns>Whether the quickstart should run.</returns>
    public static bool TryParse(string[] args, out QuickstartOptions options, out string? error, out bool help) =>
        QuickstartCommandLine.TryParse(args, out options, out error, out help);
}
