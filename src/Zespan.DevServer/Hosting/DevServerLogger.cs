using Microsoft.Extensions.Logging;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// The dev server's logger (category <see cref="Log.Category"/>), registered once in DI so handlers take it as a
/// parameter; the <see cref="Log"/> methods extend it like any <see cref="ILogger"/>.
/// </summary>
internal sealed class DevServerLogger(ILoggerFactory factory) : ILogger
{
    private readonly ILogger _inner = factory.CreateLogger(Hosting.Log.Category);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _inner.Log<TState>(logLevel, eventId, state, exception, formatter);
}
