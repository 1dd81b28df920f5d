using System.Globalization;
using System.Runtime.InteropServices;

namespace Zespan.Samples.Quickstart;

/// <summary>
/// When the quickstart stops: on SIGTERM (<c>docker stop</c>, systemd, a process manager), SIGINT (Ctrl+C), SIGQUIT
/// and SIGHUP (the terminal closed), and when the process that started it goes away (on Linux: the parent process id
/// changes when the parent ends and the quickstart is handed to init or a subreaper). Each of them cancels
/// <see cref="Token"/> instead of killing the process, so the servers stop cleanly and the SDK's queue drains.
/// </summary>
internal sealed class QuickstartShutdown : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly ITimer? _parentWatch;
    private string? _reason;

    /// <param name="time">Drives the parent watch (one look a second).</param>
    public QuickstartShutdown(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            try
            {
                _signals.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true; // no default termination: the token ends the run and the servers stop cleanly
                    Stop(context.Signal.ToString());
                }));
            }
            catch (PlatformNotSupportedException)
            {
                // a platform without this signal (SIGHUP and SIGQUIT on some Windows hosts)
            }
        }

        if (ParentProcessId() is int parent and > 1)
        {
            _parentWatch = time.CreateTimer(
                state =>
                {
                    if (ParentProcessId() != (int)state!)
                    {
                        Stop("the parent process ended");
                    }
                },
                parent,
                TimeSpan.FromSeconds(1),
                TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Gets the token that ends the run.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Gets why the run was stopped (<c>SIGTERM</c>, <c>SIGINT</c>, <c>the parent process ended</c>), or null.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Gets a value indicating whether the parent process is watched (Linux, with a parent other than init).</summary>
    public bool WatchesParent => _parentWatch is not null;

    /// <summary>Ends the run, once; later calls keep the first reason.</summary>
    public void Stop(string reason)
    {
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // a signal that arrived while the process was already ending
            }
        }
    }

    public void Dispose()
    {
        _parentWatch?.Dispose();
        foreach (var registration in _signals)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>The parent process id, read from <c>/proc/self/stat</c> (Linux); null where there is none to read.</summary>
    internal static int? ParentProcessId()
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
            return int.Parse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
