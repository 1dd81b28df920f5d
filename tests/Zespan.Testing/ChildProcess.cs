using System.Diagnostics;
using System.Threading.Channels;

namespace Zespan.Testing;

/// <summary>
/// A real child process for tests of how a program starts and stops: its output read line by line (a line can be
/// awaited), signals sent with <c>kill</c>, and a bounded wait for its exit. Disposing kills what is still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>The longest any wait of a test on a child process lasts before the test fails (a bound, not a timing).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private readonly Task _pump;

    private ChildProcess(Process process)
    {
        _process = process;
        _pump = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError))
            .ContinueWith(_ => _lines.Writer.TryComplete(), TaskScheduler.Default);
    }

    /// <summary>Gets the process id.</summary>
    public int Id => _process.Id;

    /// <summary>Gets every line written so far (standard output and standard error).</summary>
    public string Output
    {
        get
        {
            lock (_seen)
            {
                return string.Join('\n', _seen);
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>, its output redirected.</summary>
    public static ChildProcess Start(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        return new ChildProcess(Process.Start(start)!);
    }

    /// <summary>Starts <c>dotnet &lt;assembly of this test's output&gt; arguments...</c>.</summary>
    public static ChildProcess StartDotnet(string assemblyFileName, params string[] arguments) =>
        Start("dotnet", [Path.Combine(AppContext.BaseDirectory, assemblyFileName), .. arguments]);

    /// <summary>Waits for a line that contains <paramref name="text"/> and returns it; fails when the process ends first.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(timeout.Token))
            {
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new InvalidOperationException($"No line with '{text}' from process {Id}. It wrote:\n{Output}");
    }

    /// <summary>Sends a signal (<c>TERM</c>, <c>INT</c>, <c>KILL</c>, ...) to the process, as <c>kill -s</c> does.</summary>
    public Task SignalAsync(string signal) => Signal(Id, signal);

    /// <summary>Sends a signal to any process id with <c>kill -s</c>.</summary>
    public static async Task Signal(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-s", signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {signal} {processId} exited with {kill.ExitCode}");
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code; fails when it is still running after <see cref="Patience"/>.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await _pump.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"Process {Id} was still running after {Patience}. It wrote:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits until the process has closed its output (it and every process that shares its output have ended).</summary>
    public async Task WaitForOutputEndAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await _pump.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"The output of process {Id} was still open after {Patience}. It wrote:\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_seen)
            {
                _seen.Add(line);
            }

            _lines.Writer.TryWrite(line);
        }
    }
}
