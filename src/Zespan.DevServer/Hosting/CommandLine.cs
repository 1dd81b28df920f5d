using System.Globalization;

namespace Zespan.DevServer.Hosting;

/// <summary>Parses the dev server's command line into <see cref="DevServerOptions"/>.</summary>
internal static class CommandLine
{
    public const string Usage = """
        zespan-dev: the local Zespan server (ingest, config, prompts, guardrails, trace viewer, mock LLMs).

        Usage: zespan-dev [options]
               dotnet run --project src/Zespan.DevServer -- [options]

        Options:
          --db <path>              SQLite file (default: ./zespan-dev.db); created with its schema when missing
          --api-key <key>          an API key to accept (repeatable). Without one, any key starting with
                                   zsp_ is accepted, and only loopback addresses may be bound
          --urls <urls>            where to listen, ';'-separated (default: http://127.0.0.1:5087)
          --max-body-bytes <n>     largest request body, compressed or decompressed (default: 10485760)
          -h, --help               show this help
        """;

    /// <summary>Parses <paramref name="args"/>; returns false with a message when they are wrong or help was asked for.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out DevServerOptions options, out string? message, out bool helpRequested)
    {
        options = new DevServerOptions();
        message = null;
        helpRequested = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string name;
            string? inlineValue = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                inlineValue = arg[(eq + 1)..];
            }
            else
            {
                name = arg;
            }

            switch (name)
            {
                case "-h":
                case "--help":
                case "-?":
                    helpRequested = true;
                    return false;
                case "--db":
                    if (!TakeValue(args, ref i, name, inlineValue, out var db, out message))
                    {
                        return false;
                    }

                    options.DatabasePath = db;
                    break;
                case "--api-key":
                    if (!TakeValue(args, ref i, name, inlineValue, out var key, out message))
                    {
                        return false;
                    }

                    if (string.IsNullOrWhiteSpace(key))
                    {
                        message = "--api-key needs a non-empty key.";
                        return false;
                    }

                    options.ApiKeys.Add(key.Trim());
                    break;
                case "--urls":
                    if (!TakeValue(args, ref i, name, inlineValue, out var urls, out message))
                    {
                        return false;
                    }

                    foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        options.Urls.Add(url);
                    }

                    break;
                case "--max-body-bytes":
                    if (!TakeValue(args, ref i, name, inlineValue, out var size, out message))
                    {
                        return false;
                    }

                    if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) || bytes < 1024)
                    {
                        message = "--max-body-bytes needs a whole number of bytes, at least 1024.";
                        return false;
                    }

                    options.MaxBodyBytes = bytes;
                    break;
                default:
                    message = $"Unknown option '{arg}'. Run with --help to see the options.";
                    return false;
            }
        }

        return true;
    }

    private static bool TakeValue(IReadOnlyList<string> args, ref int i, string name, string? inlineValue, out string value, out string? message)
    {
        message = null;
        if (inlineValue is not null)
        {
            value = inlineValue;
            return true;
        }

        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            value = string.Empty;
            message = $"{name} needs a value.";
            return false;
        }

        value = args[++i];
        return true;
    }
}
