using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.ModelOverrides.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Process-wide capture (<c>InstrumentAllHttpClients</c> with <see cref="ZespanInstrumentationOptions.IncludeNonFactoryClients"/>):
/// records the LLM calls of every <see cref="HttpClient"/> of the process, provider SDKs' private clients included,
/// through the runtime's own HTTP diagnostics (the <c>HttpHandlerDiagnosticListener</c> <see cref="DiagnosticListener"/>
/// that <c>SocketsHttpHandler</c> writes to, the mechanism OpenTelemetry's and Application Insights' HTTP
/// instrumentation use). Subscribed while the host runs.
/// </summary>
/// <remarks>
/// <para>
/// How a call is seen: the runtime asks <c>IsEnabled("System.Net.Http.HttpRequestOut", request)</c> before it
/// starts its activity (when nothing else asked for one), and this capture says yes only for a request to an LLM
/// endpoint; <c>HttpRequestOut.Start</c> copies the request body (as the handler does on its synchronous path)
/// and starts the event; <c>HttpRequestOut.Stop</c>, which the runtime writes on the same async flow once the
/// response headers arrived, wraps the response content in the same tee the <see cref="ZespanHttpHandler"/> uses
/// (<see cref="ExchangeCapture"/>): the caller reads exactly the bytes it would have, as they arrive, and the
/// exchange goes to the event when the body ends. The state of a call rides on the runtime's activity (a custom
/// property keyed per instance, so two hosts of one process never see each other's calls).
/// </para>
/// <para>
/// One event per logical call: a request under a Zespan handler (which marks its flow with
/// <see cref="ZespanCallContext"/> before the runtime's diagnostics, innermost, fire) is left to the handler; under
/// the IChatClient middleware the exchange goes to the middleware's event; Zespan's own backend requests
/// (<see cref="ZespanOwnRequests"/>) are never recorded. Calls seen this way are observed only: no model override,
/// no guardrail. For any other request the cost is a host comparison, with nothing allocated by Zespan.
/// </para>
/// <para>Nothing here throws into the runtime's send path: every failure is logged at Debug and the call goes on.</para>
/// </remarks>
internal sealed partial class HttpDiagnosticsCapture : IHostedService, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    /// <summary>The name of the runtime's HTTP <see cref="DiagnosticListener"/>.</summary>
    public const string ListenerName = "HttpHandlerDiagnosticListener";

    private const string ActivityName = "System.Net.Http.HttpRequestOut";
    private const string StartEvent = "System.Net.Http.HttpRequestOut.Start";
    private const string StopEvent = "System.Net.Http.HttpRequestOut.Stop";
    private const string ExceptionEvent = "System.Net.Http.Exception";

    private static readonly DiagnosticPayloadProperty StartRequest = new("Request");
    private static readonly DiagnosticPayloadProperty StopResponse = new("Response");
    private static readonly DiagnosticPayloadProperty StopStatus = new("RequestTaskStatus");
    private static readonly DiagnosticPayloadProperty ExceptionValue = new("Exception");
    private static int s_instances;

    private readonly ZespanHandlerServices _services;
    private readonly ZespanInstrumentationOptions _instrumentation;
    private readonly string _propertyKey;
    private readonly Func<string, object?, object?, bool> _isEnabled;
    private readonly Lock _gate = new();
    private IDisposable? _allListeners;
    private IDisposable? _httpListener;
    private bool _stopped;

    public HttpDiagnosticsCapture(ZespanHandlerServices services, ZespanInstrumentationOptions instrumentation)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(instrumentation);
        _services = services;
        _instrumentation = instrumentation;
        _propertyKey = "Zespan.ProcessWideCapture." + Interlocked.Increment(ref s_instances).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _isEnabled = IsEnabled;
    }

    /// <summary>Gets a value indicating whether the runtime's HTTP listener is subscribed.</summary>
    internal bool IsListening
    {
        get
        {
            lock (_gate)
            {
                return _httpListener is not null;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_allListeners is not null || _stopped)
            {
                return Task.CompletedTask;
            }
        }

        var options = _services.Options.CurrentValue;
        if (!IsActivityPropagationEnabled())
        {
            LogUnavailable(_services.Logger);
        }

        if (options.Enabled && (options.ModelOverrides.Count > 0 || options.GuardrailRules.Count > 0 || _instrumentation.Guardrails is not null))
        {
            LogObserveOnly(_services.Logger);
        }

        // Subscribing calls OnNext for the listeners that already exist (under the runtime's lock), so the field is
        // assigned afterwards and OnNext takes the gate itself.
        var subscription = DiagnosticListener.AllListeners.Subscribe(this);
        lock (_gate)
        {
            if (_allListeners is null && !_stopped)
            {
                _allListeners = subscription;
                subscription = null;
            }
        }

        subscription?.Dispose();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Unsubscribe();
        return Task.CompletedTask;
    }

    public void Dispose() => Unsubscribe();

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value is null || !string.Equals(value.Name, ListenerName, StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            if (_stopped || _httpListener is not null)
            {
                return;
            }

            _httpListener = value.Subscribe(this, _isEnabled);
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        try
        {
            switch (value.Key)
            {
                case StartEvent:
                    OnStart(value.Value);
                    break;
                case StopEvent:
                    OnStop(value.Value);
                    break;
                case ExceptionEvent:
                    if (Activity.Current?.GetCustomProperty(_propertyKey) is ObservedCall call)
                    {
                        call.Exception = ExceptionValue.Get(value.Value) as Exception;
                    }

                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The runtime's send path is the caller's: nothing of Zespan's reaches it.
            ZespanHandlerServices.LogInstrumentationFailed(_services.Logger, ex);
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    /// <summary>Whether the runtime's HTTP diagnostics are on (<c>System.Net.Http.EnableActivityPropagation</c>, default true).</summary>
    internal static bool IsActivityPropagationEnabled()
    {
        if (AppContext.TryGetSwitch("System.Net.Http.EnableActivityPropagation", out var enabled))
        {
            return enabled;
        }

        var variable = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION");
        return variable is null || !(variable.Equals("false", StringComparison.OrdinalIgnoreCase) || variable == "0");
    }

    /// <summary>
    /// The runtime's question, asked for every outgoing request of the process: a string switch, then for the
    /// activity a host comparison (and nothing allocated) unless the request goes to an LLM endpoint.
    /// </summary>
    internal bool IsEnabled(string name, object? argument, object? unused)
    {
        switch (name)
        {
            case ActivityName:
                // Asked (with the request) before the runtime starts its activity, when nothing else wants one.
                return argument is HttpRequestMessage request && TryDecide(request, out _);
            case StartEvent:
                // Asked without the request: the event itself is checked (a host comparison) in OnStart.
                return true;
            case StopEvent:
            case ExceptionEvent:
                // Only for a call this instance started capturing: its activity is current while these are written.
                return Activity.Current?.GetCustomProperty(_propertyKey) is not null;
            default:
                return false;
        }
    }

    /// <summary>Whether a request is an LLM call this capture records (or hands to the IChatClient middleware).</summary>
    private bool TryDecide(HttpRequestMessage request, out Decision decision)
    {
        decision = default;
        var uri = request.RequestUri;
        if (uri is null)
        {
            return false;
        }

        var options = _services.Options.CurrentValue;
        if (!options.Enabled || ProviderDetector.Detect(uri, _services.Endpoints) is not { } detected)
        {
            return false;
        }

        // Under a Zespan handler (its marker), or under a middleware call that is not recorded: not this capture's call.
        var call = ZespanCallContext.Current;
        if ((call is not null && call.MiddlewareEvent is null) || ZespanOwnRequests.IsMarked(request))
        {
            return false;
        }

        var endpoint = LlmEndpoint.Detect(detected.Provider, uri);
        if (!endpoint.IsKnown)
        {
            return false;
        }

        decision = new Decision(endpoint, detected.Label, options, call);
        return true;
    }

    private void OnStart(object? payload)
    {
        var activity = Activity.Current;
        if (activity is null
            || StartRequest.Get(payload) is not HttpRequestMessage request
            || activity.GetCustomProperty(_propertyKey) is not null
            || !TryDecide(request, out var decision))
        {
            return;
        }

        var (endpoint, label, options, middleware) = decision;
        ZespanEvent? evt = null;
        if (middleware is null)
        {
            if (!_services.Tracer.TryStartEvent(LogTypes.Generation, label ?? ProviderNames.ToWireName(endpoint.Provider), activity, out evt))
            {
                return; // tracing off, or the trace sampled out: the call is not recorded
            }

            evt.ConfigVersion = options.RemoteConfigVersion;
        }

        var body = CaptureRequest(request, options.MaxEventBytes);
        if (body is not null && !options.StorePrompts)
        {
            // No message text is kept: only the model is read from the body.
            if (evt is not null && endpoint.PathModel is null && ModelOverrideRewriter.TryFindModel(body.Head.Span, out var location))
            {
                evt.Model = location.Value;
            }

            body.Dispose();
            body = null;
        }

        var context = new ParseContext(options.StorePrompts, options.MaxEventBytes);
        var template = ExchangeTemplate.ForRequest(endpoint, context, label, body, requestedModel: null, overriddenModel: null, _services.TimeProvider.GetTimestamp());
        activity.SetCustomProperty(_propertyKey, new ObservedCall(evt, middleware, template, options.MaxEventBytes));
    }

    private void OnStop(object? payload)
    {
        var activity = Activity.Current;
        if (activity?.GetCustomProperty(_propertyKey) is not ObservedCall call)
        {
            return;
        }

        activity.SetCustomProperty(_propertyKey, null);
        if (StopResponse.Get(payload) is not HttpResponseMessage response)
        {
            // No response: the send failed or was canceled.
            var error = call.Exception
                ?? (StopStatus.Get(payload) is TaskStatus.Canceled ? new TaskCanceledException("The request was canceled.") : new HttpRequestException("The request failed."));
            ExchangeCapture.Finish(_services, call.Event, call.Middleware, call.Template.Build(_services.TimeProvider, null, null, error), error);
            return;
        }

        if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is not null)
        {
            // A redirect the runtime may follow: the next hop is the call (its own Start and Stop).
            call.Template.Request?.Dispose();
            return;
        }

        ExchangeCapture.CaptureResponse(_services, response, call.Template.WithResponse(response), call.Event, call.Middleware, call.Limit);
    }

    /// <summary>Copies the request body without blocking on a stream or replacing what is sent; null when there is none.</summary>
    private CaptureBuffer? CaptureRequest(HttpRequestMessage request, int limit)
    {
        try
        {
            return RequestBodyCapture.Capture(request, limit, CancellationToken.None, replaceStreams: false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A content that cannot be read synchronously: the call is recorded without its prompt.
            ZespanHandlerServices.LogInstrumentationFailed(_services.Logger, ex);
            return null;
        }
    }

    private void Unsubscribe()
    {
        IDisposable? all;
        IDisposable? http;
        lock (_gate)
        {
            _stopped = true;
            all = _allListeners;
            http = _httpListener;
            _allListeners = null;
            _httpListener = null;
        }

        http?.Dispose();
        all?.Dispose();
    }

    [LoggerMessage(EventId = ZespanLogEvents.ProcessWideCaptureObserveOnly, EventName = nameof(ZespanLogEvents.ProcessWideCaptureObserveOnly), Level = LogLevel.Information, Message = "Zespan records the LLM calls of every HttpClient of the process; model overrides and guardrails apply only to calls through a Zespan handler (AddZespan<Provider>, InstrumentAllHttpClients on an IHttpClientFactory client, ZespanInstrumentation.CreateHttpClient). Calls only process-wide capture sees are recorded unchanged.")]
    private static partial void LogObserveOnly(ILogger logger);

    [LoggerMessage(EventId = ZespanLogEvents.ProcessWideCaptureUnavailable, EventName = nameof(ZespanLogEvents.ProcessWideCaptureUnavailable), Level = LogLevel.Warning, Message = "Zespan cannot record the LLM calls of HttpClients outside IHttpClientFactory: the runtime's HTTP diagnostics are off (System.Net.Http.EnableActivityPropagation or DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION is false). Turn them back on, or give those clients a Zespan handler.")]
    private static partial void LogUnavailable(ILogger logger);

    /// <summary>What <see cref="TryDecide"/> found.</summary>
    private readonly record struct Decision(LlmEndpoint Endpoint, string? Label, ZespanOptions Options, ZespanCallContext? Middleware);

    /// <summary>One call between its Start and Stop, kept on the runtime's activity.</summary>
    private sealed class ObservedCall(ZespanEvent? evt, ZespanCallContext? middleware, ExchangeTemplate template, int limit)
    {
        public ZespanEvent? Event { get; } = evt;

        public ZespanCallContext? Middleware { get; } = middleware;

        public ExchangeTemplate Template { get; } = template;

        public int Limit { get; } = limit;

        public Exception? Exception { get; set; }
    }
}
