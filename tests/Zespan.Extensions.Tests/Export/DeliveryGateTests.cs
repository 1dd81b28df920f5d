using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tests.Configuration;

namespace Zespan.Extensions.Tests.Export;

public sealed class DeliveryGateTests : IDisposable
{
    private const string Revoked = "zsp_revoked_key_1";
    private const string Rotated = "zsp_rotated_key_2";

    private readonly FakeLoggerProvider _logs = new();
    private readonly LoggerFactory _loggerFactory;
    private readonly TestOptionsMonitor _options = new(new ZespanOptions { ApiKey = Revoked });

    public DeliveryGateTests() => _loggerFactory = new LoggerFactory([_logs]);

    public void Dispose()
    {
        _loggerFactory.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public void RecordKeyRejected_KeyStillConfigured_RefusesEveryTriggerAndLogsOneError()
    {
        using var gate = new DeliveryGate(_options, _loggerFactory);

        gate.RecordKeyRejected(Revoked, 401);
        gate.RecordKeyRejected(Revoked, 403);

        Assert.True(gate.IsPausedForRejectedKey);
        Assert.All(Enum.GetValues<ExportTrigger>(), t => Assert.False(gate.MaySend(t)));
        var error = Assert.Single(_logs.Collector.GetSnapshot(), r => r.Id.Id == 2001);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.DoesNotContain(Revoked, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsChange_NewApiKey_LiftsThePauseRaisesResumedOnceAndLogs()
    {
        using var gate = new DeliveryGate(_options, _loggerFactory);
        var resumed = 0;
        gate.Resumed += () => resumed++;
        gate.RecordKeyRejected(Revoked, 401);

        _options.Change(o => o.Debug = true); // another setting: still paused
        Assert.True(gate.IsPausedForRejectedKey);
        Assert.Equal(0, resumed);

        _options.Change(o => o.ApiKey = Rotated);

        Assert.Equal(1, resumed);
        Assert.False(gate.IsPausedForRejectedKey);
        Assert.All(Enum.GetValues<ExportTrigger>(), t => Assert.True(gate.MaySend(t)));
        Assert.Single(_logs.Collector.GetSnapshot(), r => r.Id.Id == 2002);

        // The new key rejected in its turn is logged again.
        gate.RecordKeyRejected(Rotated, 401);
        Assert.Equal(2, _logs.Collector.GetSnapshot().Count(r => r.Id.Id == 2001));
    }

    [Fact]
    public void IsPausedForRejectedKey_KeyChangedWithoutNotification_LiftsThePauseOnRead()
    {
        var options = new SilentKeyOptions(Revoked);
        using var gate = new DeliveryGate(options, _loggerFactory);
        var resumed = 0;
        gate.Resumed += () => resumed++;
        gate.RecordKeyRejected(Revoked, 401);

        options.Key = Rotated;

        Assert.False(gate.IsPausedForRejectedKey);
        Assert.Equal(1, resumed);
    }

    [Fact]
    public void RecordFailed_HoldsBackTheBatchSizeTriggerUntilADeliveryAndTheRestUntilTheBackoff()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero));
        using var gate = new DeliveryGate(_options, _loggerFactory, time);

        gate.RecordFailed();

        Assert.True(gate.IsDegraded);
        Assert.InRange(gate.RetryDelay, DeliveryGate.BaseBackoff / 2, DeliveryGate.BaseBackoff);
        Assert.All(Enum.GetValues<ExportTrigger>().Where(t => t != ExportTrigger.KeyChanged), t => Assert.False(gate.MaySend(t)));
        Assert.True(gate.MaySend(ExportTrigger.KeyChanged));

        time.Advance(gate.RetryDelay);

        Assert.False(gate.MaySend(ExportTrigger.BatchReady));
        Assert.True(gate.MaySend(ExportTrigger.Interval));
        Assert.True(gate.MaySend(ExportTrigger.Flush));
        Assert.True(gate.MaySend(ExportTrigger.Drain));

        gate.RecordDelivered();

        Assert.False(gate.IsDegraded);
        Assert.Equal(TimeSpan.Zero, gate.RetryDelay);
        Assert.True(gate.MaySend(ExportTrigger.BatchReady));
    }

    [Fact]
    public void RecordFailed_RetryAfterLongerThanTheBackoff_HoldsEverySendUntilThen()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero));
        using var gate = new DeliveryGate(_options, _loggerFactory, time);

        gate.RecordFailed(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(30), gate.RetryDelay);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(gate.MaySend(ExportTrigger.Interval));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(gate.MaySend(ExportTrigger.Interval));
    }

    [Fact]
    public void Backoff_FailuresInARow_DoublesFromOneSecondWithJitterUpToSixtySeconds()
    {
        for (var failures = 1; failures <= 12; failures++)
        {
            var ceiling = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond << (failures - 1), DeliveryGate.MaxBackoff.Ticks));
            for (var i = 0; i < 20; i++)
            {
                Assert.InRange(DeliveryGate.Backoff(failures), ceiling / 2, ceiling);
            }
        }
    }

    [Fact]
    public void Dispose_StopsListeningToOptionsChanges()
    {
        var gate = new DeliveryGate(_options, _loggerFactory);
        Assert.Equal(1, _options.ListenerCount);

        gate.Dispose();

        Assert.Equal(0, _options.ListenerCount);
    }

    /// <summary>Options whose key changes without OnChange (a monitor that does not raise it).</summary>
    private sealed class SilentKeyOptions(string key) : Microsoft.Extensions.Options.IOptionsMonitor<ZespanOptions>
    {
        public string Key { get; set; } = key;

        public ZespanOptions CurrentValue => new() { ApiKey = Key };

        public ZespanOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<ZespanOptions, string?> listener) => null;
    }
}
