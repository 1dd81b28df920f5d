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
    /// <summary>The <see cref="Reason"/> when the parent process went away.</summary>
    public const string ParentEnded = "the parent process ended";

    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly ITimer? _parentWatch;
    private string? _reason;

    /// <param name="time">Drives the parent watch (one look a second).</param>
    public QuickstartShutdown(TimeProvider time)
        : this(time, ParentProcessId)
    {
    }

    /// <param name="time">Drives the parent watch (one look a second).</param>
    /// <param name="parentProcessId">Reads the parent process id (<see cref="ParentProcessId"/>; tests pass their own).</param>
    internal QuickstartShutdown(TimeProvider time, Func<int?> parentProcessId)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(parentProcessId);
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

        if (parentProcessId() is int parent and > 1)
        {
            _parentWatch = time.CreateTimer(
                _ =>
                {
                    if (parentProcessId() != parent)
                    {
                        Stop(ParentEnded);
                    }
                },
                null,
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
            return ParseParentProcessId(File.ReadAllText("/proc/self/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The fourth field of a <c>/proc/[pid]/stat</c> line; null when the line is not one.</summary>
    internal static int? ParseParentProcessId(string stat)
    {
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
        var end = stat.LastIndexOf(')');
        if (end < 0 || end + 2 > stat.Length)
        {
            return null;
        }

        var fields = stat[(end + 2)..].Split(' ', 3);
        return fields.Length >= 2 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;
    }
}
