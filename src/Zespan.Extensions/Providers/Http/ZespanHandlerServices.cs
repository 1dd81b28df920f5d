using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Guardrails.Internal;
using Zespan.Extensions.ModelOverrides.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The singletons every <see cref="ZespanHttpHandler"/> uses. Handlers themselves are transient and stateless:
/// they hold this and their client's options, and read the settings per request through the options monitor.
/// </summary>
internal sealed partial class ZespanHandlerServices(
    IOptionsMonitor<ZespanOptions> options,
    ZespanTracer tracer,
    GuardrailClient guardrails,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory)
{
    private readonly PerOptions<ProviderEndpointTable> _endpoints = new(options, ProviderEndpointTable.From);
    private int _bedrockOverrideLogged;
    private int _azureOverrideLogged;

    public IOptionsMonitor<ZespanOptions> Options { get; } = options;

    /// <summary>Gets the configured endpoints of the options in force (compiled once per options snapshot).</summary>
    public ProviderEndpointTable Endpoints => _endpoints.Value;

    public ZespanTracer Tracer { get; } = tracer;

    public GuardrailClient Guardrails { get; } = guardrails;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("Zespan");

    public void OverrideSkipped(ModelOverrideSkip skip, string? model)
    {
        if (skip == ModelOverrideSkip.SignedBedrockRequest && Interlocked.Exchange(ref _bedrockOverrideLogged, 1) == 0)
        {
            LogBedrockOverrideSkipped(Logger, model);
        }
        else if (skip == ModelOverrideSkip.AzureDeployment && Interlocked.Exchange(ref _azureOverrideLogged, 1) == 0)
        {
            LogAzureOverrideSkipped(Logger, model);
        }
    }

    [LoggerMessage(EventId = ZespanLogEvents.BedrockOverrideSkipped, EventName = nameof(ZespanLogEvents.BedrockOverrideSkipped), Level = LogLevel.Warning, Message = "A model override matches Bedrock model '{Model}', but a Bedrock request is signed before Zespan sees it, so it is sent unchanged. Change the model id in code instead.")]
    private static partial void LogBedrockOverrideSkipped(ILogger logger, string? model);

    [LoggerMessage(EventId = ZespanLogEvents.AzureOverrideSkipped, EventName = nameof(ZespanLogEvents.AzureOverrideSkipped), Level = LogLevel.Warning, Message = "A model override matches '{Model}' on an Azure OpenAI deployment, but the deployment in the URL path chooses the model, so the request is sent unchanged.")]
    private static partial void LogAzureOverrideSkipped(ILogger logger, string? model);

    [LoggerMessage(EventId = ZespanLogEvents.GuardrailFailedOpen, EventName = nameof(ZespanLogEvents.GuardrailFailedOpen), Level = LogLevel.Warning, Message = "A Zespan guardrail check failed ({Reason}); the call goes on because FailClosed is false.")]
    public static partial void LogGuardrailFailedOpen(ILogger logger, string reason);

    [LoggerMessage(EventId = ZespanLogEvents.InstrumentationFailed, EventName = nameof(ZespanLogEvents.InstrumentationFailed), Level = LogLevel.Debug, Message = "Zespan could not record an LLM call.")]
    public static partial void LogInstrumentationFailed(ILogger logger, Exception exception);
}
