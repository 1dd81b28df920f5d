using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Zespan.Extensions;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Instruments <see cref="System.Net.Http.HttpClient"/>s of <c>IHttpClientFactory</c> for LLM providers.</summary>
public static class ZespanHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds the Zespan handler for one provider's wire format to a named or typed client, outermost in its
    /// pipeline (a retry handler of yours does not repeat events or guardrail checks). Works with any base
    /// address: proxies, Azure OpenAI, self-hosted gateways. Requires <c>AddZespan</c>.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="provider">The wire format the client speaks.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanInstrumentation(this IHttpClientBuilder builder, ZespanProvider provider, Action<ZespanInstrumentationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ZespanInstrumentationOptions();
        configure?.Invoke(options);
        builder.Services.AddZespanProviders();
        ZespanRegistrationCheck.Require(builder.Services, "AddZespan" + provider + "() (AddZespanInstrumentation)");
        builder.ConfigureAdditionalHttpMessageHandlers((handlers, sp) =>
        {
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (handlers[i] is ZespanHttpHandler)
                {
                    handlers.RemoveAt(i);
                }
            }

            var services = sp.GetService<ZespanHandlerServices>()
                ?? throw new InvalidOperationException("Zespan instrumentation needs the Zespan services: call services.AddZespan(...) in Program.cs before AddZespan" + provider + "().");
            handlers.Insert(0, new ZespanHttpHandler(services, provider, options));
        });
        return builder;
    }

    /// <summary>Instruments an OpenAI (or Azure OpenAI) client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanOpenAI(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.OpenAI, configure);

    /// <summary>Instruments an Anthropic client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanAnthropic(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.Anthropic, configure);

    /// <summary>Instruments a Google Gemini (or Vertex AI) client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanGoogle(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.Google, configure);

    /// <summary>Instruments an AWS Bedrock Runtime client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanBedrock(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.Bedrock, configure);

    /// <summary>Instruments a Mistral client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanMistral(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.Mistral, configure);

    /// <summary>Instruments a Groq client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanGroq(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.Groq, configure);

    /// <summary>Instruments a client of a LiteLLM proxy.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanLiteLlm(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.LiteLlm, configure);

    /// <summary>Instruments an OpenRouter client.</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddZespanOpenRouter(this IHttpClientBuilder builder, Action<ZespanInstrumentationOptions>? configure = null) =>
        builder.AddZespanInstrumentation(ZespanProvider.OpenRouter, configure);

    /// <summary>
    /// Records the LLM calls of every <see cref="System.Net.Http.HttpClient"/> of the process (the .NET form of
    /// <c>autopatch()</c>): the Zespan handler is added to every <c>IHttpClientFactory</c> client, and, unless
    /// <see cref="ZespanInstrumentationOptions.IncludeNonFactoryClients"/> is false, the calls of clients the app did
    /// not create through the factory (provider SDKs' own clients: <c>new OpenAIClient(...)</c> with no transport,
    /// <c>new AnthropicClient { ... }</c>) are captured through the runtime's HTTP diagnostics while the host runs.
    /// The provider is detected from the request host (<see cref="ZespanOptions.ProviderEndpoints"/> for any other),
    /// calls to other hosts pass through untouched, and each logical call is recorded once: a client with its own
    /// <c>AddZespan&lt;Provider&gt;</c> handler is not instrumented twice, and a call under a handler or the IChatClient
    /// middleware is not recorded again. Calls seen only through the runtime's diagnostics are observed only (no model
    /// overrides, no guardrails).
    /// </summary>
    /// <param name="builder">The Zespan builder.</param>
    /// <param name="configure">Sets guardrails for every detected factory-client call, and <see cref="ZespanInstrumentationOptions.IncludeNonFactoryClients"/>.</param>
    /// <returns>The builder.</returns>
    public static IZespanBuilder InstrumentAllHttpClients(this IZespanBuilder builder, Action<ZespanInstrumentationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ZespanInstrumentationOptions();
        configure?.Invoke(options);
        builder.Services.AddHttpClient();
        builder.Services.AddZespanProviders();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, ZespanHandlerBuilderFilter>(
            sp => new ZespanHandlerBuilderFilter(sp.GetRequiredService<ZespanHandlerServices>(), options)));
        if (options.IncludeNonFactoryClients)
        {
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HttpDiagnosticsCapture>(
                sp => new HttpDiagnosticsCapture(sp.GetRequiredService<ZespanHandlerServices>(), options)));
        }

        return builder;
    }
}
