using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The one capture mechanism of HTTP-level LLM calls, shared by the <see cref="ZespanHttpHandler"/> and process-wide
/// capture (<see cref="HttpDiagnosticsCapture"/>): the response body is teed as the caller reads it
/// (<see cref="CapturingContent"/>), and when it ends the call's <see cref="ProviderExchange"/> goes to its event,
/// or, under the IChatClient middleware, to the middleware's event. Never throws into the caller.
/// </summary>
internal static class ExchangeCapture
{
    /// <summary>
    /// Captures the response of a call as it passes to the caller: its content is wrapped (the caller reads the same
    /// bytes, as they arrive) and the exchange is handed on when the body ends, fails, or is disposed.
    /// A response without content is handed on now.
    /// </summary>
    /// <param name="services">The shared singletons.</param>
    /// <param name="response">The response, whose content is replaced by the capturing one.</param>
    /// <param name="template">The call, with the response's status and headers (<see cref="ExchangeTemplate.WithResponse"/>).</param>
    /// <param name="evt">The call's own event, or null under the middleware (or when it is not recorded).</param>
    /// <param name="middleware">The middleware's call context, when the IChatClient middleware owns the call.</param>
    /// <param name="limit">The most bytes of body kept (<see cref="ZespanOptions.MaxEventBytes"/>).</param>
    public static void CaptureResponse(ZespanHandlerServices services, HttpResponseMessage response, ExchangeTemplate template, ZespanEvent? evt, ZespanCallContext? middleware, int limit)
    {
        if (response.Content is null)
        {
            Finish(services, evt, middleware, template.Build(services.TimeProvider, null, null, null), null);
            return;
        }

        var sink = template.CreateSink(limit);
        var observer = new CallObserver(services, evt, middleware, template, sink);
        response.Content = new CapturingContent(response.Content, sink, services.TimeProvider, observer);
    }

    /// <summary>
    /// Hands what was seen of the call to its event: its own (through the tracer's lifecycle, which parses the
    /// capture), or, under the IChatClient middleware, the middleware's, which adds what only the HTTP layer sees
    /// (status, raw usage, a model override) to its event when it completes. Never throws.
    /// </summary>
    /// <param name="services">The shared singletons.</param>
    /// <param name="evt">The call's own event, if recorded.</param>
    /// <param name="middleware">The middleware's call context, if the middleware owns the call.</param>
    /// <param name="exchange">What was captured; owned from now on.</param>
    /// <param name="exception">Why the call failed (a guardrail block, a transport failure), if it did.</param>
    public static void Finish(ZespanHandlerServices services, ZespanEvent? evt, ZespanCallContext? middleware, ProviderExchange exchange, Exception? exception)
    {
        try
        {
            if (middleware?.MiddlewareEvent is not null)
            {
                if (!middleware.TryAttachHttpExchange(exchange))
                {
                    exchange.Dispose();
                }

                return;
            }

            if (evt is null)
            {
                exchange.Dispose();
                return;
            }

            if (exception is GuardrailBlockedException blocked)
            {
                evt.Error = new ZespanError("guardrail_blocked", blocked.Message);
                evt.FinishReason = "content_filter";
                evt.StatusCode = exchange.StatusCode;
            }
            else if (exception is not null)
            {
                evt.Error = ZespanTracer.ErrorFrom(exception);
                evt.StatusCode = 0;
            }

            services.Tracer.Complete(evt, exchange);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ZespanHandlerServices.LogInstrumentationFailed(services.Logger, ex);
        }
    }

    /// <summary>An event that will not be completed (the call failed before it was sent): its activity ends unrecorded.</summary>
    public static void Abandon(ZespanEvent? evt)
    {
        if (evt?.Activity is not null)
        {
            ZespanActivities.End(evt, keep: false, includeContent: false);
        }
    }

    /// <summary>Told once when the response body ends (read to its end, failed, canceled or disposed early).</summary>
    private sealed class CallObserver(ZespanHandlerServices services, ZespanEvent? evt, ZespanCallContext? middleware, ExchangeTemplate template, IResponseCaptureSink sink) : ICaptureObserver
    {
        public void OnCaptureCompleted(in CaptureCompletion completion) =>
            Finish(services, evt, middleware, template.Build(services.TimeProvider, sink, completion, null), null);
    }
}
