using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Zespan.Testing;

namespace Zespan.DevServer.Tests.Hosting;

/// <summary>The <c>zespan-dev</c> command line, run as the real program (the built Zespan.DevServer.dll in a child process).</summary>
public class DevServerCommandTests
{
    [Fact]
    public async Task Run_Help_PrintsTheGeneratedUsageAndExitsZero()
    {
        var (code, output, error) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Empty(error);
        foreach (var option in new[] { "--db", "--api-key", "--urls", "--max-body-bytes", "--help" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_UnknownOption_PrintsTheProblemAndTheHintOnce_ExitsTwo()
    {
        var (code, _, error) = await RunAsync("--bogus");

        Assert.Equal(2, code);
        Assert.Contains("--bogus", error, StringComparison.Ordinal);
        Assert.Equal(1, Count(error, "--help"));
    }

    [Fact]
    public async Task Run_PortInUse_PrintsOneCannotListenLineWithoutStackTrace_AndLeavesNoDatabase()
    {
        using var directory = new TempDirectory();
        var database = directory.File("never-created.db");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, output, error) = await RunAsync("--db", database, "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("zespan-dev: cannot listen:", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.False(File.Exists(database), "the database file the failed start created was left behind");
        Assert.False(File.Exists(database + "-wal"));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Run_Signal_StopsCleanlyAndExitsZero(string signal)
    {
        using var directory = new TempDirectory();
        await using var server = ChildProcess.StartDotnet("Zespan.DevServer.dll", "--db", directory.File("signal.db"), "--urls", "http://127.0.0.1:0");
        await server.WaitForLineAsync("Press Ctrl+C to stop.");

        await server.SignalAsync(signal);
        var code = await server.WaitForExitAsync();

        Assert.True(code == 0, $"exit code {code}; it wrote:\n{server.Output}");
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Version_PrintsTheVersionWithoutStarting()
    {
        var (code, output, error) = await RunAsync("--version");

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
        Assert.DoesNotContain("Zespan dev server:", output, StringComparison.Ordinal);
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Runs <c>dotnet Zespan.DevServer.dll</c> with <paramref name="args"/> and waits for it to exit (within 60 s).</summary>
    internal static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Zespan.DevServer.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
