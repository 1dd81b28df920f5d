using System.Net;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions;

/// <summary>
/// An AWS SDK <see cref="HttpClientFactory"/> that traces Amazon Bedrock Runtime calls: the SDK builds its own
/// <see cref="HttpClient"/>, which <c>IHttpClientFactory</c> instrumentation (<c>InstrumentAllHttpClients</c>,
/// <c>AddZespanBedrock</c>) cannot reach, so set this factory on the client's configuration instead.
/// </summary>
/// <remarks>
/// <para>
/// Each <see cref="HttpClient"/> it creates for a Bedrock Runtime configuration sends through the Zespan handler for
/// <see cref="ZespanProvider.Bedrock"/> (Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream), over
/// an inner handler set up from the configuration as the SDK's own default factory does: proxy and proxy credentials,
/// <see cref="IClientConfig.Timeout"/>, <see cref="IClientConfig.ConnectTimeout"/>,
/// <see cref="IClientConfig.MaxConnectionsPerServer"/>, <see cref="IClientConfig.AllowAutoRedirect"/>, and no
/// automatic decompression. Configurations of other AWS services get the inner handler alone, so the factory can
/// also be set globally through <c>AWSConfigs.HttpClientFactory</c>.
/// </para>
/// <para>
/// The SDK signs a request (SigV4) before the handler sees it, so the request goes out byte-identical: the handler
/// only copies the body it records, model overrides are not applied to Bedrock (a warning is logged once), and a
/// guardrail <c>redact</c> verdict on a Bedrock prompt blocks the call instead of rewriting it.
/// </para>
/// </remarks>
public class ZespanAwsHttpClientFactory : HttpClientFactory
{
    private const string BedrockRuntimeServiceId = "Bedrock Runtime";
    private const string BedrockRuntimeEndpointName = "bedrock-runtime";

    private readonly ZespanHandlerServices _handlerServices;
    private readonly ZespanInstrumentationOptions _options;

    /// <summary>Initializes a new instance of the <see cref="ZespanAwsHttpClientFactory"/> class.</summary>
    /// <param name="services">The application's service provider, in which <c>AddZespan</c> was called.</param>
    /// <param name="configure">Sets guardrails and a provider label for the Bedrock calls of the clients this factory serves.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddZespan</c> was not called on <paramref name="services"/>.</exception>
    public ZespanAwsHttpClientFactory(IServiceProvider services, Action<ZespanInstrumentationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        _handlerServices = services.GetService<ZespanHandlerServices>()
            ?? throw new InvalidOperationException("ZespanAwsHttpClientFactory needs the Zespan services: call services.AddZespan(...) in Program.cs and pass the built service provider (app.Services).");
        var options = new ZespanInstrumentationOptions();
        configure?.Invoke(options);
        _options = options;
    }

    /// <summary>Creates an <see cref="HttpClient"/> for an AWS service client.</summary>
    /// <param name="clientConfig">The service client's configuration.</param>
    /// <returns>
    /// For Amazon Bedrock Runtime, a client whose pipeline is the Zespan handler over <see cref="CreateInnerHandler"/>;
    /// for other services, a client over <see cref="CreateInnerHandler"/> alone. Its <see cref="HttpClient.Timeout"/> is
    /// <see cref="IClientConfig.Timeout"/> when that is set (else the <see cref="HttpClient"/> default of 100 seconds).
    /// </returns>
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var inner = CreateInnerHandler(clientConfig);
        HttpMessageHandler? pipeline = null;
        try
        {
            pipeline = IsBedrockRuntime(clientConfig)
                ? new ZespanHttpHandler(_handlerServices, ZespanProvider.Bedrock, _options) { InnerHandler = inner }
                : inner;
            var client = new HttpClient(pipeline, disposeHandler: true);
            if (clientConfig.Timeout is { } timeout)
            {
                client.Timeout = timeout;
            }

            return client;
        }
        catch
        {
            (pipeline ?? inner).Dispose();
            throw;
        }
    }

    /// <summary>Gets a value indicating whether the SDK caches the clients this factory creates.</summary>
    /// <param name="clientConfig">The service client's configuration.</param>
    /// <returns><see cref="IClientConfig.CacheHttpClient"/> (the SDK's default is <see langword="true"/>).</returns>
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        return clientConfig.CacheHttpClient;
    }

    /// <summary>Gets a value indicating whether the SDK disposes a client after one request.</summary>
    /// <param name="clientConfig">The service client's configuration.</param>
    /// <returns><see langword="true"/> when the SDK does not cache the clients (each one is then used once), else <see langword="false"/>.</returns>
    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => !UseSDKHttpClientCaching(clientConfig);

    /// <summary>Gets the key under which the SDK may share clients globally between service clients.</summary>
    /// <param name="clientConfig">The service client's configuration.</param>
    /// <returns>
    /// Always <see langword="null"/>: the SDK caches the clients per service client and disposes them with it. A global
    /// key would let a client built over one service provider's Zespan services serve another, and keep it alive
    /// after that provider is disposed.
    /// </returns>
    public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;

    /// <summary>
    /// Creates the handler that sends the requests, set up from <paramref name="clientConfig"/> as the AWS SDK's default
    /// factory does. Override it to use another handler (a platform-native one, custom certificate validation); the
    /// Zespan handler is still put in front of what it returns.
    /// </summary>
    /// <param name="clientConfig">The service client's configuration.</param>
    /// <returns>A new <see cref="SocketsHttpHandler"/> with multiple HTTP/2 connections enabled, no automatic decompression,
    /// and the configuration's redirect, connect-timeout, connection-limit and proxy settings.</returns>
    protected virtual HttpMessageHandler CreateInnerHandler(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            AllowAutoRedirect = clientConfig.AllowAutoRedirect,

            // The SDK reads Content-Encoding itself; transparent decompression would hand it bytes it did not expect.
            AutomaticDecompression = DecompressionMethods.None,
        };
        try
        {
            if (clientConfig.ConnectTimeout is { } connectTimeout)
            {
                handler.ConnectTimeout = connectTimeout;
            }

            if (clientConfig.MaxConnectionsPerServer is { } maxConnections)
            {
                handler.MaxConnectionsPerServer = maxConnections;
            }

            // ProxyHost/ProxyPort or SetWebProxy; without one the handler uses the system proxy (HTTPS_PROXY, ...) as the SDK's does.
            if (clientConfig.GetWebProxy() is { } proxy)
            {
                if (clientConfig.ProxyCredentials is { } credentials)
                {
                    proxy.Credentials = credentials;
                }

                handler.Proxy = proxy;
            }

            return handler;
        }
        catch
        {
            handler.Dispose();
            throw;
        }
    }

    private static bool IsBedrockRuntime(IClientConfig clientConfig) =>
        string.Equals(clientConfig.ServiceId, BedrockRuntimeServiceId, StringComparison.Ordinal)
        || string.Equals(clientConfig.RegionEndpointServiceName, BedrockRuntimeEndpointName, StringComparison.Ordinal);
}
