using Microsoft.Extensions.Logging;

namespace Zespan.Samples.Quickstart;

/// <summary>What the quickstart runs with.</summary>
public sealed class QuickstartOptions
{
    /// <summary>The dev server's documented default port, used when it is free.</summary>
    public const int DefaultPort = 5087;

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: dotnet run --project samples/Zespan.Samples.Quickstart [-- options]

          --db <path>       the dev server's SQLite file (default: zespan-quickstart/zespan-dev.db in the temp directory)
          --port <n>        the dev server's port; 0 takes a free one (default: 5087 if free, else a free one)
          --keep-running    keep the dev server, its trace viewer and the WebApi sample up until Ctrl+C
          -h, --help        show this text
        """;

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

    /// <summary>Parses the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="options">The options, when the arguments are valid.</param>
    /// <param name="error">What is wrong, when they are not; null with <paramref name="help"/> set.</param>
    /// <param name="help">Whether help was asked for.</param>
    /// <returns>Whether the quickstart should run.</returns>
    public static bool TryParse(string[] args, out QuickstartOptions options, out string? error, out bool help)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = new QuickstartOptions();
        error = null;
        help = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    help = true;
                    return false;
                case "--keep-running":
                    options.KeepRunning = true;
                    break;
                case "--db" when i + 1 < args.Length && !string.IsNullOrWhiteSpace(args[i + 1]):
                    options.DatabasePath = args[++i];
                    break;
                case "--port" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        error = $"--port needs a number from 0 to 65535, not '{args[i]}'.";
                        return false;
                    }

                    options.Port = port;
                    break;
                case "--db" or "--port":
                    error = $"{args[i]} needs a value.";
                    return false;
                default:
                    error = $"Unknown option '{args[i]}'.";
                    return false;
            }
        }

        return true;
    }
}
