using Microsoft.Extensions.Logging;
using Zespan.Samples.Quickstart;

namespace Zespan.Samples.Tests.Quickstart;

public sealed class QuickstartRunnerTests
{
    private static readonly string[] ExpectedFlows = ["chat", "stream", "agent", "guardrail-blocked", "redacted", "sampled-in"];

    [Fact]
    public async Task RunAsync_FreshDatabaseThenSecondRun_ExitsZeroAndPrintsOneRowPerRecordedFlow()
    {
        using var directory = new TempDirectory();
        var options = new QuickstartOptions { DatabasePath = directory.File("quickstart.db"), Port = 0, HostLogLevel = LogLevel.None };

        using var first = new StringWriter();
        var result = await QuickstartRunner.RunAsync(options, first);

        var text = first.ToString();
        Assert.True(result.ExitCode == 0, text);
        Assert.Null(result.Failure);
        Assert.Contains("support-reply v1 (label production), created through IPromptClient.CreateAsync", text, StringComparison.Ordinal);
        Assert.Contains("FlushAsync() returned true", text, StringComparison.Ordinal);
        Assert.Matches(@"Trace viewer: http://127\.0\.0\.1:\d+/", text);
        Assert.Contains("guardrail-blocked  422 POST /support/chat", text, StringComparison.Ordinal);

        var table = ParseTable(text);
        Assert.Equal(ExpectedFlows, table.Select(static r => r["flow"]));
        Assert.DoesNotContain(table, static r => r["flow"] == "sampled-out");
        Assert.Equal(ExpectedFlows, result.Rows.Select(static r => r.Flow));
        Assert.All(table, static r => Assert.Matches("^[0-9a-f]{32}$", r["trace"]));
        Assert.All(table, static r => Assert.Equal("gpt-4o-mini", r["model"]));
        Assert.Equal(["alice", "alice", "bob", "mallory", "carol", "erin"], table.Select(static r => r["user"]));
        Assert.Equal(["ok", "ok", "ok", "error", "ok", "ok"], table.Select(static r => r["status"]));
        foreach (var row in table.Where(static r => r["flow"] != "guardrail-blocked"))
        {
            Assert.True(int.Parse(row["tokens"], System.Globalization.CultureInfo.InvariantCulture) > 0, row["flow"]);
            Assert.StartsWith("$0.0000", row["cost"], StringComparison.Ordinal);
        }

        Assert.Equal("-", table.Single(static r => r["flow"] == "guardrail-blocked")["tokens"]);
        Assert.Equal("12", table.Single(static r => r["flow"] == "agent")["spans"]);

        // The database outlives a run: a second run reuses the prompt and still reports only its own traces.
        using var second = new StringWriter();
        var again = await QuickstartRunner.RunAsync(options, second);

        Assert.True(again.ExitCode == 0, second.ToString());
        Assert.Contains("support-reply v1 (label production), seeded by an earlier run", second.ToString(), StringComparison.Ordinal);
        var secondTable = ParseTable(second.ToString());
        Assert.Equal(ExpectedFlows, secondTable.Select(static r => r["flow"]));
        Assert.Empty(secondTable.Select(static r => r["trace"]).Intersect(table.Select(static r => r["trace"])));
    }

    [Fact]
    public async Task RunAsync_DatabaseDirectoryCannotBeCreated_ExitsNonZeroWithMessage()
    {
        using var directory = new TempDirectory();
        var file = directory.File("not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        using var output = new StringWriter();

        var result = await QuickstartRunner.RunAsync(
            new QuickstartOptions { DatabasePath = Path.Combine(file, "sub", "quickstart.db"), Port = 0, HostLogLevel = LogLevel.None }, output);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FAILED", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(result.Rows);
    }

    [Theory]
    [InlineData(new string[0], true, null, false)]
    [InlineData(new[] { "--keep-running" }, true, null, true)]
    [InlineData(new[] { "--port", "0" }, true, 0, false)]
    [InlineData(new[] { "--port", "70000" }, false, null, false)]
    [InlineData(new[] { "--port" }, false, null, false)]
    [InlineData(new[] { "--bogus" }, false, null, false)]
    public void TryParse_Arguments_ParsesOrRejects(string[] args, bool valid, int? port, bool keepRunning)
    {
        var ok = QuickstartOptions.TryParse(args, out var options, out var error, out var help);

        Assert.Equal(valid, ok);
        Assert.False(help);
        Assert.Equal(valid, error is null);
        if (valid)
        {
            Assert.Equal(port, options.Port);
            Assert.Equal(keepRunning, options.KeepRunning);
            Assert.Equal(QuickstartOptions.DefaultDatabasePath, options.DatabasePath);
        }
    }

    [Fact]
    public void TryParse_Help_AsksForHelp()
    {
        Assert.False(QuickstartOptions.TryParse(["--db", "x.db", "-h"], out _, out var error, out var help));
        Assert.True(help);
        Assert.Null(error);
    }

    /// <summary>The rows of the table printed under "Recorded by the server", by column name.</summary>
    private static List<Dictionary<string, string>> ParseTable(string output)
    {
        var lines = output.Split('\n').Select(static l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(static l => l.StartsWith("Recorded by the server", StringComparison.Ordinal));
        Assert.True(start >= 0, "no table in:\n" + output);
        var header = lines[start + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["flow", "trace", "user", "model", "tokens", "cost", "latency", "status", "spans"], header);
        var rows = new List<Dictionary<string, string>>();
        foreach (var line in lines.Skip(start + 3).TakeWhile(static l => l.Length > 0))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(header.Length, cells.Length);
            rows.Add(header.Zip(cells).ToDictionary(static p => p.First, static p => p.Second));
        }

        return rows;
    }
}
