using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions;

/// <summary>
/// Instrumented handlers and clients for code that does not use <c>IHttpClientFactory</c>: provider SDKs
/// that take an <see cref="HttpClient"/> or an <see cref="HttpMessageHandler"/> (the OpenAI SDK's
/// <c>HttpClientPipelineTransport</c>, the Anthropic SDK's <c>HttpClient</c> property, and so on).
/// </summary>
public static class ZespanInstrumentation
{
    /// <summary>Creates the Zespan handler over <paramref name="innerHandler"/> (a new <see cref="SocketsHttpHandler"/> when null).</summary>
    /// <param name="services">A service provider where <c>AddZespan</c> was called.</param>
    /// <param name="provider">The wire format the client speaks; null to detect it from each request's host.</param>
    /// <param name="configure">Sets guardrails and a provider label.</param>
    /// <param name="innerHandler">The handler that sends the requests.</param>
    /// <returns>The handler; dispose it (or the client that owns it) when done.</returns>
    public static DelegatingHandler CreateHandler(IServiceProvider services, ZespanProvider? provider = null, Action<ZespanInstrumentationOptions>? configure = null, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var handlerServices = services.GetService<ZespanHandlerServices>()
            ?? throw new InvalidOperationException("Zespan instrumentation needs the Zespan services: call services.AddZespan(...) before creating an instrumented handler.");
        var options = new ZespanInstrumentationOptions();
        configure?.Invoke(options);
        return new ZespanHttpHandler(handlerServices, provider, options)
        {
            InnerHandler = innerHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) },
        };
    }

    /// <summary>Creates an <see cref="HttpClient"/> whose calls go through the Zespan handler.</summary>
    /// <param name="services">A service provider where <c>AddZespan</c> was called.</param>
    /// <param name="provider">The wire format the client speaks; null to detect it from each request's host.</param>
    /// <param name="configure">Sets guardrails and a provider label.</param>
    /// <returns>The client.</returns>
    public static HttpClient CreateHttpClient(IServiceProvider services, ZespanProvider? provider = null, Action<ZespanInstrumentationOptions>? configure = null) =>
        new(CreateHandler(services, provider, configure), disposeHandler: true);
}
