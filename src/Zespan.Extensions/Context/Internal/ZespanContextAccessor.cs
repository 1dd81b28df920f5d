namespace Zespan.Extensions.Context.Internal;

/// <summary>The <see cref="IZespanContextAccessor"/> of an enabled SDK: scopes held in an <see cref="AsyncLocal{T}"/>.</summary>
internal sealed class ZespanContextAccessor : IZespanContextAccessor
{
    public ZespanContext? Current => ContextScope.Current?.Context;

    public IDisposable BeginScope(string? userId = null, string? sessionId = null, IReadOnlyDictionary<string, string>? tags = null, string? userEmail = null, string? userName = null) =>
        ContextScope.Begin(userId, sessionId, tags, userEmail, userName);
}

/// <summary>The <see cref="IZespanContextAccessor"/> of a disabled SDK (<c>Enabled</c> false): no scope, nothing kept.</summary>
internal sealed class NoOpZespanContextAccessor : IZespanContextAccessor
{
    public static readonly NoOpZespanContextAccessor Instance = new();

    public ZespanContext? Current => null;

    public IDisposable BeginScope(string? userId = null, string? sessionId = null, IReadOnlyDictionary<string, string>? tags = null, string? userEmail = null, string? userName = null) =>
        NoOpDisposable.Instance;

    private sealed class NoOpDisposable : IDisposable
    {
        public static readonly NoOpDisposable Instance = new();

        public void Dispose()
        {
        }
    }
}
