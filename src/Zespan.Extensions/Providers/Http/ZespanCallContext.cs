using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

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

    private readonly bool _middleware;
    private readonly Lock _gate = new();
    private ProviderExchange? _httpExchange;
    private bool _sealed;

    public ZespanCallContext(ZespanEvent? middlewareEvent) => MiddlewareEvent = middlewareEvent;

    private ZespanCallContext(ZespanEvent? middlewareEvent, bool preChecked, bool postChecked)
    {
        MiddlewareEvent = middlewareEvent;
        _middleware = true;
        PreChecked = preChecked;
        PostChecked = postChecked;
    }

    /// <summary>Gets the call in flight, if any.</summary>
    public static ZespanCallContext? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    /// <summary>Gets the event of the IChatClient middleware that owns the call (null for an HTTP handler marker, or a middleware call that is not recorded).</summary>
    public ZespanEvent? MiddlewareEvent { get; }

    /// <summary>
    /// Gets a value indicating whether the IChatClient middleware owns the call, recorded or not (sampled out,
    /// tracing disabled): an HTTP handler underneath then records no event of its own.
    /// </summary>
    public bool IsMiddleware => _middleware || MiddlewareEvent is not null;

    /// <summary>Gets a value indicating whether the middleware already ran the pre-check (the HTTP handler skips its own).</summary>
    public bool PreChecked { get; }

    /// <summary>Gets a value indicating whether the middleware runs the post-check (the HTTP handler skips its own).</summary>
    public bool PostChecked { get; }

    /// <summary>
    /// Hands what the HTTP layer captured of this middleware call to the middleware, which parses it into its own
    /// event when the call completes. False when the middleware already completed (the caller then disposes the
    /// exchange). When one was attached already (a retry under the middleware) the last one counts.
    /// </summary>
    /// <param name="exchange">What the HTTP layer captured.</param>
    public bool TryAttachHttpExchange(ProviderExchange exchange)
    {
        ProviderExchange? replaced;
        lock (_gate)
        {
            if (_sealed)
            {
                return false;
            }

            replaced = _httpExchange;
            _httpExchange = exchange;
        }

        replaced?.Dispose();
        return true;
    }

    /// <summary>Takes what the HTTP layer attached (once); later attachments are refused.</summary>
    public ProviderExchange? TakeHttpExchange()
    {
        lock (_gate)
        {
            _sealed = true;
            var exchange = _httpExchange;
            _httpExchange = null;
            return exchange;
        }
    }

    /// <summary>The context of a call the IChatClient middleware owns.</summary>
    /// <param name="middlewareEvent">The middleware's event; null when the call is not recorded.</param>
    /// <param name="preChecked">Whether the middleware checked the prompt.</param>
    /// <param name="postChecked">Whether the middleware checks the completion.</param>
    public static ZespanCallContext ForMiddleware(ZespanEvent? middlewareEvent, bool preChecked, bool postChecked) =>
        new(middlewareEvent, preChecked, postChecked);
}
