using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;

namespace Zespan.DevServer.Hosting;

/// <summary>The dev server's command line (System.CommandLine): its options, their validation and the generated <c>--help</c>.</summary>
internal static class CommandLine
{
    public const string Hint = "Run with --help to see the options.";

    private static readonly Option<string> Db = new("--db")
    {
        Description = "SQLite file; created with its schema when missing",
        HelpName = "path",
        DefaultValueFactory = static _ => DevServerOptions.DefaultDatabasePath,
    };

    private static readonly Option<string[]> ApiKey = new("--api-key")
    {
        Description = "an API key to accept (repeatable). Without one, a key is generated for this run and printed with the viewer URL, and only loopback addresses may be bound",
        HelpName = "key",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string> Urls = new("--urls")
    {
        Description = "where to listen, ';'-separated (http://127.0.0.1:0 takes a free port)",
        HelpName = "urls",
        DefaultValueFactory = static _ => DevServerOptions.DefaultUrl,
    };

    private static readonly Option<long> MaxBodyBytes = new("--max-body-bytes")
    {
        Description = "largest request body, as received and after decompression (at least 1024)",
        HelpName = "n",
        DefaultValueFactory = static _ => DevServerOptions.DefaultMaxBodyBytes,
        CustomParser = static result =>
        {
            if (result.Tokens.Count == 1 && long.TryParse(result.Tokens[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes >= 1024)
            {
                return bytes;
            }

            result.AddError("--max-body-bytes needs a whole number of bytes, at least 1024.");
            return 0;
        },
    };

    static CommandLine()
    {
        ApiKey.Validators.Add(static result =>
        {
            if (result.Tokens.Any(static t => string.IsNullOrWhiteSpace(t.Value)))
            {
                result.AddError("--api-key needs a non-empty key.");
            }
            else if (result.Tokens.Any(static t => t.Value.StartsWith("--", StringComparison.Ordinal)))
            {
                result.AddError("--api-key needs a value.");
            }
        });
        Root = new RootCommand("zespan-dev: the local Zespan server (ingest, config, prompts, guardrails, trace viewer, mock LLMs).")
        {
            Db,
            ApiKey,
            Urls,
            MaxBodyBytes,
        };
    }

    /// <summary>The root command (its help is generated from the options above).</summary>
    public static RootCommand Root { get; }

    /// <summary>The generated help text.</summary>
    public static string Usage
    {
        get
        {
            using var writer = new StringWriter();
            Root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = writer, Error = writer });
            return writer.ToString();
        }
    }

    /// <summary>Parses <paramref name="args"/>; false with the first problem as <paramref name="message"/>, or with <paramref name="helpRequested"/> for <c>--help</c>.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out DevServerOptions options, out string? message, out bool helpRequested)
    {
        options = new DevServerOptions();
        var result = Root.Parse(args);
        helpRequested = result.Action is System.CommandLine.Help.HelpAction;
        if (helpRequested)
        {
            message = null;
            return false;
        }

        if (result.Errors.Count > 0)
        {
            message = result.Errors[0].Message;
            return false;
        }

        message = null;
        options = ToOptions(result);
        return true;
    }

    private static DevServerOptions ToOptions(ParseResult result)
    {
        var options = new DevServerOptions
        {
            DatabasePath = result.GetValue(Db) ?? DevServerOptions.DefaultDatabasePath,
            MaxBodyBytes = result.GetValue(MaxBodyBytes),
        };
        foreach (var key in result.GetValue(ApiKey) ?? [])
        {
            options.ApiKeys.Add(key.Trim());
        }

        // only an explicit --urls fills the list: the default address is DevServerOptions.DefaultUrl
        if (result.GetResult(Urls) is { Implicit: false })
        {
            foreach (var url in (result.GetValue(Urls) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                options.Urls.Add(url);
            }
        }

        return options;
    }
}
