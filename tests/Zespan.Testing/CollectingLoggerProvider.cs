using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Zespan.Testing;

/// <summary>A log record captured by <see cref="CollectingLoggerProvider"/>.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>An in-memory <see cref="ILoggerProvider"/> (Microsoft.Extensions.Diagnostics.Testing's FakeLogger does not restore here).</summary>
public sealed class CollectingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _logs = new();

    /// <summary>Gets every record, in order.</summary>
    public IReadOnlyList<CapturedLog> Logs => _logs.ToArray();

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._logs.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
