namespace Zespan.Extensions;

/// <summary>
/// Every log event id of this assembly (category <c>Zespan</c>), one named constant each. Every
/// <c>[LoggerMessage]</c> takes its <c>EventId</c> and its <c>EventName</c> from here
/// (<c>EventId = ZespanLogEvents.X, EventName = nameof(ZespanLogEvents.X)</c>); a test fails when an id is
/// used twice, is not a constant of this class, or when two constants share a value. docs/telemetry.md
/// lists them.
/// </summary>
/// <remarks>
/// <para>Ranges, one per feature (an id, once shipped, keeps its number; a new one takes the next free
/// number of its feature's range; a new feature takes the next free range):</para>
/// <list type="table">
/// <item><term>30-39</term><description>remote configuration (<c>Configuration/Internal/RemoteConfigPoller</c>)</description></item>
/// <item><term>40-49</term><description>options reloads (<c>Configuration/Internal/ZespanOptionsMonitor</c>)</description></item>
/// <item><term>50-59</term><description>the backend client (<c>Backend/Internal</c>)</description></item>
/// <item><term>60-69</term><description>the SDK's own OTLP export (<c>Diagnostics</c>)</description></item>
/// <item><term>70-79</term><description>provider instrumentation: the HTTP handlers and their guardrails (<c>Providers</c>)</description></item>
/// <item><term>2001-2999</term><description>the export pipeline (<c>Export</c>)</description></item>
/// <item><term>3001-3099</term><description>tracing (<c>Tracing</c>)</description></item>
/// <item><term>3101-3199</term><description>redaction (<c>Redaction</c>)</description></item>
/// <item><term>3201-3299</term><description>export filters (<c>Filtering</c>)</description></item>
/// <item><term>3301-3399</term><description>agent frameworks (<c>Agents</c>: <c>CaptureAgentFrameworks</c>)</description></item>
/// <item><term>3401-3499</term><description>pricing and token usage (<c>Pricing</c>: the lifecycle's pricing step, usage estimation)</description></item>
/// <item><term>4001-4999</term><description>reserved for Zespan.Extensions.AI, which logs in the same category (<c>ZespanAILogEvents</c>)</description></item>
/// <item><term>5001-5099</term><description>prompts (<c>Prompts</c>; 3001-3006 before, when they collided with tracing)</description></item>
/// <item><term>6001-6999</term><description>reserved for Zespan.Extensions.AspNetCore, which logs in the same category (<c>ZespanAspNetCoreLogEvents</c>)</description></item>
/// </list>
/// </remarks>
internal static class ZespanLogEvents
{
    // 30-39: remote configuration

    /// <summary>Information: a remote configuration version was applied.</summary>
    public const int RemoteConfigApplied = 30;

    /// <summary>Warning: a remote rule with an invalid value was ignored (logged once per rule).</summary>
    public const int RemoteConfigRuleIgnored = 31;

    /// <summary>Error: the backend rejected the API key when fetching remote configuration.</summary>
    public const int RemoteConfigUnauthorized = 32;

    /// <summary>Warning: the remote configuration could not be read; the last good one stays.</summary>
    public const int RemoteConfigMalformed = 33;

    /// <summary>Debug: fetching remote configuration failed (network, timeout); the last good one stays.</summary>
    public const int RemoteConfigFetchFailed = 34;

    /// <summary>Debug: the remote configuration request answered an unexpected status; the last good one stays.</summary>
    public const int RemoteConfigFetchStatus = 35;

    /// <summary>A remote configuration was rejected as a whole (a list over its cap); the last good one stays.</summary>
    public const int RemoteConfigRejected = 36;

    // 40-49: options reloads

    /// <summary>Warning: a reload failed validation; the last good options stay.</summary>
    public const int OptionsReloadRejected = 40;

    /// <summary>Warning: a reload threw; the last good options stay.</summary>
    public const int OptionsReloadFailed = 41;

    /// <summary>Warning: an options change listener threw.</summary>
    public const int OptionsListenerFailed = 42;

    // 50-59: the backend client

    /// <summary>Warning (the first time per endpoint, then Debug): a backend answer was over its size limit after decompression and was discarded.</summary>
    public const int BackendResponseTooLarge = 50;

    // 60-69: the SDK's own OTLP export

    /// <summary>Debug: spans are exported over OTLP/HTTP to the endpoint.</summary>
    public const int OtlpExportStarted = 60;

    /// <summary>Warning: not every span reached the OTLP endpoint before the host stopped.</summary>
    public const int OtlpFlushIncomplete = 61;

    // 70-79: provider instrumentation

    /// <summary>Warning: a model override matched a signed Bedrock request, which is sent unchanged (logged once).</summary>
    public const int BedrockOverrideSkipped = 70;

    /// <summary>Warning: a model override matched an Azure OpenAI deployment, which is sent unchanged (logged once).</summary>
    public const int AzureOverrideSkipped = 71;

    /// <summary>Warning: a guardrail check failed and the call goes on (<c>FailClosed</c> false).</summary>
    public const int GuardrailFailedOpen = 72;

    /// <summary>Debug: an LLM call could not be recorded; the call itself is unaffected.</summary>
    public const int InstrumentationFailed = 73;

    /// <summary>Information: model overrides or guardrails are configured, and process-wide capture only observes the calls it alone sees (logged once at start).</summary>
    public const int ProcessWideCaptureObserveOnly = 74;

    /// <summary>Warning: process-wide capture is on but the runtime's HTTP diagnostics are switched off, so it sees nothing (logged once at start).</summary>
    public const int ProcessWideCaptureUnavailable = 75;

    // 2001-2999: the export pipeline

    /// <summary>Error: the backend rejected the API key; sending pauses until <c>ApiKey</c> changes.</summary>
    public const int ApiKeyRejected = 2001;

    /// <summary>Information: <c>ApiKey</c> changed after a rejection; sending resumes.</summary>
    public const int ApiKeyChanged = 2002;

    /// <summary>Warning: the backend rejected a batch (4xx); it was dropped.</summary>
    public const int BatchRejected = 2003;

    /// <summary>Warning: a batch could not be delivered after its retries; it is kept and sent again.</summary>
    public const int BatchFailed = 2004;

    /// <summary>Warning: an event that could not be cut below <c>MaxEventBytes</c> (or <c>MaxBatchBytes</c>) was dropped.</summary>
    public const int EventTooLarge = 2005;

    /// <summary>Warning: the backend answered 413 for a batch of one event; it was dropped.</summary>
    public const int LoneEventTooLarge = 2006;

    /// <summary>Debug: the backend answered 413; the batch is sent again as two.</summary>
    public const int BatchSplit = 2007;

    /// <summary>Warning: an event processor threw; the event was dropped.</summary>
    public const int ProcessorFailed = 2008;

    /// <summary>Warning: an event could not be serialized; it was dropped.</summary>
    public const int SerializationFailed = 2009;

    // 2010 is retired (a flush-cycle step threw): remote configuration polls on its own service now. Do not reuse it.

    /// <summary>Warning: the export loop caught an unexpected error; it keeps running.</summary>
    public const int ExportLoopFailed = 2011;

    /// <summary>Warning: the event queue was full; events were dropped since the last report.</summary>
    public const int QueueFull = 2012;

    /// <summary>Warning: events were not delivered before the shutdown drain ended.</summary>
    public const int UndeliveredAtShutdown = 2013;

    /// <summary>Warning: the export loop could not start; events wait for <c>FlushAsync</c>.</summary>
    public const int ExportStartFailed = 2014;

    /// <summary>Warning (once): the offline storage directory cannot be written; events wait in memory.</summary>
    public const int OfflineStorageUnavailable = 2015;

    /// <summary>Warning: a stored batch could not be read back; it was removed and its events counted.</summary>
    public const int OfflineBatchCorrupt = 2016;

    /// <summary>Warning (the first time, then with <c>Debug</c>): offline storage reached its cap; the oldest batch was removed and counted.</summary>
    public const int OfflineStorageFull = 2017;

    /// <summary>Debug: an event over <c>MaxEventBytes</c> had its largest fields cut and was sent marked truncated.</summary>
    public const int EventTruncated = 2018;

    // 3001-3099: tracing

    /// <summary>Warning: an event could not be completed; it was not recorded.</summary>
    public const int EventCompleteFailed = 3001;

    /// <summary>Warning: <c>LogGeneration</c> could not record a generation.</summary>
    public const int GenerationLogFailed = 3002;

    /// <summary>Warning: a span could not be started; the code runs untraced.</summary>
    public const int SpanStartFailed = 3003;

    // 3101-3199: redaction

    /// <summary>Error: redaction failed on an event, which was dropped rather than sent unredacted.</summary>
    public const int RedactionFailed = 3101;

    // 3201-3299: export filters

    /// <summary>Warning: an export filter's regex timed out; the value counts as not matching (logged once per filter).</summary>
    public const int FilterRegexTimeout = 3201;

    /// <summary>Warning: the export filters failed on an event, which is exported unfiltered.</summary>
    public const int FilterFailed = 3202;

    // 3301-3399: agent frameworks

    /// <summary>Debug: an agent framework span could not be recorded; the framework's work is unaffected.</summary>
    public const int AgentFrameworkCaptureFailed = 3301;

    // 3401-3499: pricing and token usage

    /// <summary>Warning: a model has no price (built-in table, <c>ModelPrices</c>, remote <c>model_price</c>); its calls are sent with <c>cost</c> null and <c>cost_status</c> <c>unpriced</c> (logged once per model).</summary>
    public const int ModelUnpriced = 3401;

    /// <summary>Debug: the tokens of a call whose provider reported no usage could not be estimated.</summary>
    public const int UsageEstimationFailed = 3402;

    // 5001-5099: prompts

    /// <summary>Warning: refreshing a cached prompt failed; the cached version is served.</summary>
    public const int PromptRefreshFailed = 5001;

    /// <summary>Information: a cached prompt no longer exists on the backend and was removed from the cache.</summary>
    public const int PromptEvicted = 5002;

    /// <summary>Warning: a prompt could not be fetched and none was cached; the fallback is used.</summary>
    public const int PromptFallbackUsed = 5003;

    /// <summary>Debug: a prompt was fetched.</summary>
    public const int PromptFetched = 5004;

    /// <summary>Debug: a cached prompt was refreshed in the background.</summary>
    public const int PromptRefreshed = 5005;

    /// <summary>Debug: Zespan is disabled; the prompt's fallback is used.</summary>
    public const int PromptDisabledFallbackUsed = 5006;
}
