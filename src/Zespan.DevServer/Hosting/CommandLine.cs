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

    private static readonly Option<long> MaxEvents = new("--max-events")
    {
        Description = "the most events kept; past it the oldest traces are removed, whole",
        HelpName = "n",
        DefaultValueFactory = static _ => DevServerOptions.DefaultMaxEvents,
        CustomParser = static result =>
        {
            if (result.Tokens.Count == 1 && long.TryParse(result.Tokens[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
            {
                return n;
            }

            result.AddError("--max-events needs a whole number, at least 1.");
            return 0;
        },
    };

    private static readonly Option<TimeSpan?> RetentionAge = new("--retention")
    {
        Description = "remove traces that ended longer ago than this (30m, 12h, 7d); default: no age limit",
        HelpName = "age",
        CustomParser = static result =>
        {
            if (result.Tokens.Count == 1 && TryParseAge(result.Tokens[0].Value, out var age))
            {
                return age;
            }

            result.AddError("--retention needs a duration such as 30m, 12h or 7d.");
            return null;
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
            MaxEvents,
            RetentionAge,
        };
    }

    /// <summary>The root command (its help is generated from the options above).</summary>
    public static RootCommand Root { get; }

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
    /// Parses <paramref name="args"/>; false with the first problem as <paramref name="message"/>, or with
    /// <paramref name="helpRequested"/> for <c>--help</c> and <c>--version</c> (their text: <see cref="BuiltInOutput"/>).
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, out DevServerOptions options, out string? message, out bool helpRequested)
    {
        options = new DevServerOptions();
        var result = Root.Parse(args);

        // the root command has no action of its own: one without errors is --help's or --version's
        helpRequested = result.Errors.Count == 0 && result.Action is not null;
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
            MaxEvents = result.GetValue(MaxEvents),
            Retention = result.GetValue(RetentionAge),
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

    /// <summary>A positive duration: a number with <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c> (<c>90s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c>), or a <see cref="TimeSpan"/> (<c>1.12:00:00</c>).</summary>
    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            double? seconds = char.ToLowerInvariant(text[^1]) switch
            {
                's' => number,
                'm' => number * 60,
                'h' => number * 3600,
                'd' => number * 86_400,
                _ => null,
            };
            if (seconds is { } s && s < TimeSpan.MaxValue.TotalSeconds / 2)
            {
                age = TimeSpan.FromSeconds(s);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out age) && age > TimeSpan.Zero;
    }
}
