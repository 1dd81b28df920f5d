using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Zespan.DevServer.Tests.Storage;

public class RetentionTests
{
    [Fact]
    public async Task MaxEvents_RemovesTheOldestTracesWhole_WithTheirSearchRows()
    {
        await using var server = await DevServerHost.StartAsync(o => o.MaxEvents = 5);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (id, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddMinutes(i)); // 2 events each
            ids.Add(id);
            await server.IngestAsync(batch);
        }

        var stats = await server.GetJsonAsync("api/stats");
        Assert.Equal(4, stats["events"]!.GetValue<int>()); // 8 stored, the two oldest traces removed: never half a trace
        Assert.Equal(2, stats["traces"]!.GetValue<int>());
        var listed = (await server.GetJsonAsync("api/traces"))["data"]!.AsArray().Select(static r => r!["trace_id"]!.GetValue<string>());
        Assert.Equal([ids[3], ids[2]], listed);
        Assert.Equal(2, (await server.GetJsonAsync("api/traces?q=order"))["total"]!.GetValue<int>());
        Assert.Equal(2, (await server.GetJsonAsync("api/users"))["data"]![0]!["traces"]!.GetValue<int>());
    }

    [Fact]
    public async Task Retention_RemovesTracesOlderThanTheAge()
    {
        var clock = new FakeTimeProvider(TestEvents.BaseTime.AddHours(2));
        await using var server = await DevServerHost.StartAsync(o =>
        {
            o.Retention = TimeSpan.FromHours(1);
            o.TimeProvider = clock;
        });
        var (old, oldBatch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        var (recent, recentBatch) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddMinutes(90));
        await server.IngestAsync(oldBatch);
        await server.IngestAsync(recentBatch);

        var ids = (await server.GetJsonAsync("api/traces"))["data"]!.AsArray().Select(static r => r!["trace_id"]!.GetValue<string>()).ToList();

        Assert.Equal([recent], ids);
        Assert.DoesNotContain(old, ids);
        Assert.Equal(2, (await server.GetJsonAsync("api/stats"))["events"]!.GetValue<int>());
    }

    [Fact]
    public async Task RetentionService_AgesTracesOutWhileNothingIsIngested()
    {
        var clock = new FakeTimeProvider(TestEvents.BaseTime.AddMinutes(10));
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await DevServerHost.StartAsync(o =>
        {
            o.Retention = TimeSpan.FromMinutes(30);
            o.TimeProvider = clock;
            o.ConfigureLogging = logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(new SignalOnEvent(DevServerLogEvents.RetentionDeleted, removed));
            };
        });
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        await server.IngestAsync(batch);
        Assert.Equal(1, (await server.GetJsonAsync("api/stats"))["traces"]!.GetValue<int>()); // still young

        clock.Advance(TimeSpan.FromMinutes(30)); // the trace is now 40 minutes old; the minute timer fires

        await removed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await server.GetJsonAsync("api/stats"))["traces"]!.GetValue<int>());
        using var gone = await server.Client.GetAsync($"api/traces/{traceId}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>Completes <paramref name="signal"/> when an entry with <paramref name="eventId"/> is logged.</summary>
    private sealed class SignalOnEvent(int eventId, TaskCompletionSource signal) : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (id.Id == eventId)
            {
                signal.TrySetResult();
            }
        }

        public void Dispose()
        {
        }
    }

    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("12h", 43200)]
    [InlineData("7d", 604800)]
    [InlineData("90s", 90)]
    [InlineData("1.12:00:00", 129600)]
    public void TryParseAge_ReadsDurations(string text, double seconds)
    {
        Assert.True(Zespan.DevServer.Hosting.CommandLine.TryParseAge(text, out var age));
        Assert.Equal(seconds, age.TotalSeconds);
    }

    [Fact]
    public void TryParse_RetentionOptions_MapOntoOptions()
    {
        Assert.True(Zespan.DevServer.Hosting.CommandLine.TryParse(["--max-events", "5000", "--retention", "7d"], out var options, out var message, out _), message);
        Assert.Equal(5000, options.MaxEvents);
        Assert.Equal(TimeSpan.FromDays(7), options.Retention);
        Assert.False(Zespan.DevServer.Hosting.CommandLine.TryParse(["--retention", "soon"], out _, out _, out _));
        Assert.False(Zespan.DevServer.Hosting.CommandLine.TryParse(["--max-events", "0"], out _, out _, out _));
    }
}
