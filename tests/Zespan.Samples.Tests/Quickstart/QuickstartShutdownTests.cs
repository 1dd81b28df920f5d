using Microsoft.Extensions.Time.Testing;
using Zespan.Samples.Quickstart;

namespace Zespan.Samples.Tests.Quickstart;

/// <summary>The parent watch and the stop of <see cref="QuickstartShutdown"/>, on a fake clock (the signals: <see cref="QuickstartProcessTests"/>).</summary>
public sealed class QuickstartShutdownTests
{
    [Fact]
    public void ParentWatch_ParentIdChanges_StopsWithItsReason()
    {
        var time = new FakeTimeProvider();
        var parent = 4242;
        using var shutdown = new QuickstartShutdown(time, () => parent);
        Assert.True(shutdown.WatchesParent);

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(shutdown.Token.IsCancellationRequested);

        parent = 1; // handed to init
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(shutdown.Token.IsCancellationRequested);
        Assert.Equal(QuickstartShutdown.ParentEnded, shutdown.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    public void ParentWatch_NoParentOrInit_NotWatched(int? parent)
    {
        var time = new FakeTimeProvider();
        using var shutdown = new QuickstartShutdown(time, () => parent);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(shutdown.WatchesParent);
        Assert.False(shutdown.Token.IsCancellationRequested);
    }

    [Fact]
    public void Stop_Twice_KeepsTheFirstReason()
    {
        using var shutdown = new QuickstartShutdown(new FakeTimeProvider(), static () => null);

        shutdown.Stop("SIGTERM");
        shutdown.Stop("SIGINT");

        Assert.True(shutdown.Token.IsCancellationRequested);
        Assert.Equal("SIGTERM", shutdown.Reason);
    }

    [Theory]
    [InlineData("4117 (dotnet) S 4100 4117 4100 0 -1", 4100)]
    [InlineData("4117 (a (b) c) R 77 4117 4100 0 -1", 77)]
    [InlineData("4117 (x) S", null)]
    [InlineData("no parentheses here", null)]
    [InlineData("4117 (x) S notanumber 1", null)]
    public void ParseParentProcessId_StatLines_GivesTheFourthField(string stat, int? expected)
    {
        Assert.Equal(expected, QuickstartShutdown.ParseParentProcessId(stat));
    }

    [Fact]
    public void ParentProcessId_OnLinux_MatchesThePPidOfProcStatus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // no /proc: the watch is off there, as documented
        }

        var status = File.ReadAllLines("/proc/self/status").Single(static l => l.StartsWith("PPid:", StringComparison.Ordinal));

        Assert.Equal(int.Parse(status["PPid:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture), QuickstartShutdown.ParentProcessId());
    }
}
