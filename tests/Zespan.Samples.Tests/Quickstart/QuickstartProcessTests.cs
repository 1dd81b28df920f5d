using Zespan.Testing;

namespace Zespan.Samples.Tests.Quickstart;

/// <summary>
/// The quickstart as the real program (the built Zespan.Samples.Quickstart.dll in a child process): with
/// <c>--keep-running</c> it stops cleanly on SIGTERM (docker stop, a process manager) and SIGINT (Ctrl+C), and when the
/// process that started it goes away. Each test waits for the line that says the servers are up, never a fixed time.
/// </summary>
public sealed class QuickstartProcessTests
{
    private const string Program = "Zespan.Samples.Quickstart.dll";
    private const string Ready = "Keeping the dev server";

    [Theory]
    [InlineData("TERM", "SIGTERM")]
    [InlineData("INT", "SIGINT")]
    public async Task Main_KeepRunningThenSignal_StopsCleanlyAndExitsZero(string signal, string reason)
    {
        using var directory = new TempDirectory();
        await using var quickstart = ChildProcess.StartDotnet(Program, "--keep-running", "--port", "0", "--db", directory.File("quickstart.db"));
        await quickstart.WaitForLineAsync(Ready);

        await quickstart.SignalAsync(signal);
        var code = await quickstart.WaitForExitAsync();

        Assert.True(code == 0, $"exit code {code}; it wrote:\n{quickstart.Output}");
        Assert.Contains($"{reason}: stopping.", quickstart.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", quickstart.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_KeepRunningThenParentKilled_Stops()
    {
        using var directory = new TempDirectory();

        // A shell starts the quickstart and waits on it; the shell is then killed (SIGKILL: it can pass nothing on). The
        // quickstart, handed to init or a subreaper, notices its parent changed and stops. It shares the shell's output,
        // so the output closes when the quickstart has ended.
        await using var shell = ChildProcess.Start(
            "sh",
            "-c",
            "dotnet \"$0\" --keep-running --port 0 --db \"$1\" & wait",
            Path.Combine(AppContext.BaseDirectory, Program),
            directory.File("quickstart.db"));
        await shell.WaitForLineAsync(Ready);

        await shell.SignalAsync("KILL");
        await shell.WaitForOutputEndAsync();

        Assert.Contains("the parent process ended: stopping.", shell.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", shell.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_Help_PrintsTheGeneratedUsageAndExitsZero()
    {
        await using var quickstart = ChildProcess.StartDotnet(Program, "--help");

        var code = await quickstart.WaitForExitAsync();

        Assert.Equal(0, code);
        foreach (var option in new[] { "--db", "--port", "--keep-running", "--help", "Usage:" })
        {
            Assert.Contains(option, quickstart.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Keeping the dev server", quickstart.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_Version_PrintsTheVersionWithoutRunning()
    {
        await using var quickstart = ChildProcess.StartDotnet(Program, "--version");

        var code = await quickstart.WaitForExitAsync();

        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", quickstart.Output);
        Assert.DoesNotContain("Recorded by the server", quickstart.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_UnknownOption_PrintsTheProblemAndTheHintOnce_ExitsTwo()
    {
        await using var quickstart = ChildProcess.StartDotnet(Program, "--bogus");

        var code = await quickstart.WaitForExitAsync();

        Assert.Equal(2, code);
        Assert.Contains("--bogus", quickstart.Output, StringComparison.Ordinal);
        Assert.Single(quickstart.Output.Split('\n'), static l => l.Contains("--help", StringComparison.Ordinal));
    }
}
