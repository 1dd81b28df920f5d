using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Extensions.Prompts.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Prompts;

/// <summary>A fake backend, a manual clock, and a service provider with Zespan added, pointed at the backend.</summary>
internal sealed class PromptHarness : IAsyncDisposable
{
    private PromptHarness(FakeZespanBackend backend, ManualTimeProvider time, ServiceProvider services, ListLoggerProvider logs)
    {
        Backend = backend;
        Time = time;
        Services = services;
        Logs = logs;
    }

    public FakeZespanBackend Backend { get; }

    public ManualTimeProvider Time { get; }

    public ServiceProvider Services { get; }

    public ListLoggerProvider Logs { get; }

    public IPromptClient Client => Services.GetRequiredService<IPromptClient>();

    public PromptClient Internal => (PromptClient)Client;

    public static async Task<PromptHarness> StartAsync(Action<ZespanOptions>? configure = null, Action<IServiceCollection>? services = null, string? pathPrefix = null)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var time = new ManualTimeProvider();
        var logs = new ListLoggerProvider();
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services?.Invoke(collection);
        collection.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = pathPrefix is null ? backend.BaseUrl : new Uri(backend.BaseUrl, pathPrefix);
            configure?.Invoke(o);
        });
        return new PromptHarness(backend, time, collection.BuildServiceProvider(), logs);
    }

    /// <summary>Holds GET requests for one prompt until <see cref="Gate.Release"/>; <see cref="Gate.Arrived"/> completes when one arrives.</summary>
    public Gate HoldGets(string name)
    {
        var gate = new Gate();
        Backend.Intercept = async (context, request) =>
        {
            if (request.Method == "GET" && request.Path == "/v1/prompts/" + name)
            {
                gate.SignalArrived();
                await gate.Released;
            }

            return false;
        };
        return gate;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Backend.DisposeAsync();
    }

    internal sealed class Gate
    {
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arrived => _arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        public Task Released => _released.Task;

        public void SignalArrived() => _arrived.TrySetResult();

        public void Release() => _released.TrySetResult();
    }
}

/// <summary>Keeps every log entry in memory (Microsoft.Extensions.Diagnostics.Testing does not restore here).</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((category, logLevel, eventId, formatter(state, exception), exception));
    }
}

/// <summary>Small helpers to build fallback prompts and variables.</summary>
internal static class PromptTestData
{
    public static Prompt TextFallback(string name = "support-reply") =>
        new() { Name = name, PromptType = PromptType.Text, Text = "Hello {{ customer_name }} (fallback)" };

    public static Dictionary<string, object?> Vars(params (string Key, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        FakeZespanBackend.WriteErrorAsync(context, status, "test", message);
}
