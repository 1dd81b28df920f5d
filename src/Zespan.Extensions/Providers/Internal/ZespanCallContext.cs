using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The LLM call in flight on this async flow, so one logical call gives one event: an inner Zespan HTTP
/// handler (a client instrumented twice) passes through, and under the IChatClient middleware the HTTP
/// handler enriches the middleware's event instead of adding its own.
/// </summary>
internal sealed class ZespanCallContext
{
    private static readonly AsyncLocal<ZespanCallContext?> Ambient = new();

    /// <summary>A marker for a call an outer HTTP handler already instruments.</summary>
    public static readonly ZespanCallContext HttpHandler = new(null);

    public ZespanCallContext(ZespanEvent? middlewareEvent) => MiddlewareEvent = middlewareEvent;

    /// <summary>Gets the call in flight, if any.</summary>
    public static ZespanCallContext? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    /// <summary>Gets the event of the IChatClient middleware that owns the call (null for an HTTP handler marker).</summary>
    public ZespanEvent? MiddlewareEvent { get; }
}
