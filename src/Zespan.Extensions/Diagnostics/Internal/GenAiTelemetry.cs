using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// Maps a Zespan event onto the OpenTelemetry GenAI semantic conventions: activity names, kinds and
/// attributes, and the <c>gen_ai.client.*</c> metrics.
/// </summary>
internal static class GenAiTelemetry
{
    // gen_ai.* attribute names (OpenTelemetry semantic conventions for generative AI).
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string CacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";
    public const string CacheCreationInputTokens = "gen_ai.usage.cache_creation.input_tokens";
    public const string ReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string AgentName = "gen_ai.agent.name";
    public const string AgentDescription = "gen_ai.agent.description";
    public const string ToolName = "gen_ai.tool.name";
    public const string ToolType = "gen_ai.tool.type";
    public const string ToolCallArguments = "gen_ai.tool.call.arguments";
    public const string ToolCallResult = "gen_ai.tool.call.result";
    public const string InputMessages = "gen_ai.input.messages";
    public const string OutputMessages = "gen_ai.output.messages";
    public const string SystemInstructions = "gen_ai.system_instructions";
    public const string TokenType = "gen_ai.token.type";
    public const string ErrorType = "error.type";

    // Zespan's own keys.
    public const string LogType = "zespan.entity.log_type";
    public const string CustomerIdentifier = "zespan.customer_params.customer_identifier";
    public const string CustomerEmail = "zespan.customer_params.customer_email";
    public const string CustomerName = "zespan.customer_params.customer_name";
    public const string ThreadIdentifier = "zespan.threads.thread_identifier";
    public const string Metadata = "zespan.metadata";
    public const string Environment = "zespan.environment";
    public const string Cost = "zespan.cost";
    public const string CostStatus = "zespan.cost_status";
    public const string PriceTableVersion = "zespan.price_table_version";
    public const string AudioInputTokens = "zespan.usage.audio.input_tokens";
    public const string AudioOutputTokens = "zespan.usage.audio.output_tokens";
    public const string Stream = "zespan.stream";
    public const string TimeToFirstToken = "zespan.time_to_first_token";
    public const string RequestedModel = "zespan.requested_model";
    public const string ConfigVersion = "zespan.config_version";
    public const string EvalScorePrefix = "zespan.eval_scores.";
    public const string TagPrefix = "zespan.tags.";
    public const string Plan = "zespan.plan";
    public const string HandoffFrom = "zespan.handoff.from";
    public const string HandoffTo = "zespan.handoff.to";
    public const string HandoffReason = "zespan.handoff.reason";
    public const string GuardrailPhase = "zespan.guardrail.phase";
    public const string GuardrailPassed = "zespan.guardrail.passed";
    public const string GuardrailResults = "zespan.guardrail.results";

    /// <summary>The <c>gen_ai.operation.name</c> of a log type.</summary>
    public static string GetOperationName(string logType, string? name) => logType switch
    {
        LogTypes.Generation => name is not null && name.Contains("generate_content", StringComparison.Ordinal) ? "generate_content" : "chat",
        LogTypes.Response => "chat",
        LogTypes.Embedding => "embeddings",
        LogTypes.Agent => "invoke_agent",
        LogTypes.Tool => "execute_tool",
        LogTypes.Handoff => "handoff",
        LogTypes.Plan => "plan",
        LogTypes.Guardrail => "guardrail",
        LogTypes.Workflow => "workflow",
        _ => "custom",
    };

    /// <summary>Whether a log type is a call to a model (a client span).</summary>
    public static bool IsModelCall(string logType) =>
        logType is LogTypes.Generation or LogTypes.Response or LogTypes.Embedding;

    /// <summary>The <c>gen_ai.provider.name</c> well-known value of a Zespan provider name.</summary>
    public static string? GetProviderName(string? provider) => provider switch
    {
        null => null,
        "openai" => "openai",
        "anthropic" => "anthropic",
        "google" => "gcp.gemini",
        "vertex" => "gcp.vertex_ai",
        "bedrock" => "aws.bedrock",
        "mistral" => "mistral_ai",
        "groq" => "groq",
        "azure" or "azure_openai" => "azure.ai.openai",
        _ => provider,
    };

    /// <summary>
    /// The activity's display name per the conventions: <c>{operation} {model}</c> for model calls,
    /// <c>invoke_agent {name}</c>, <c>execute_tool {name}</c>, else the span's own name.
    /// </summary>
    public static string GetDisplayName(ZespanEvent e)
    {
        var operation = GetOperationName(e.LogType, e.Name);
        if (IsModelCall(e.LogType))
        {
            return e.Model is null ? operation : operation + " " + e.Model;
        }

        return e.LogType switch
        {
            LogTypes.Agent => "invoke_agent " + (e.Agent?.Name ?? e.Name),
            LogTypes.Tool => "execute_tool " + (e.Tool?.Name ?? e.Name),
            _ => e.Name,
        };
    }

    /// <summary>Sets the GenAI and Zespan attributes of a finished event on its activity.</summary>
    /// <param name="activity">The activity that mirrors the event.</param>
    /// <param name="e">The finished event (already redacted where text is concerned).</param>
    /// <param name="includeContent">Whether message content may be recorded (StorePrompts on).</param>
    public static void Enrich(Activity activity, ZespanEvent e, bool includeContent)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(e);
        if (!activity.IsAllDataRequested)
        {
            return;
        }

        activity.DisplayName = GetDisplayName(e);
        activity.SetTag(OperationName, GetOperationName(e.LogType, e.Name));
        activity.SetTag(LogType, e.LogType);
        if (e.Environment is not null)
        {
            activity.SetTag(Environment, e.Environment);
        }

        if (GetProviderName(e.Provider) is { } provider)
        {
            activity.SetTag(ProviderName, provider);
        }

        SetIfNotNull(activity, RequestModel, e.Model);
        SetIfNotNull(activity, ResponseModel, e.ResponseModel);
        SetIfNotNull(activity, RequestedModel, e.RequestedModel);
        if (e.FinishReason is not null)
        {
            activity.SetTag(ResponseFinishReasons, new[] { e.FinishReason });
        }

        if (e.PromptTokens is { } input)
        {
            activity.SetTag(InputTokens, input);
        }

        if (e.CompletionTokens is { } output)
        {
            activity.SetTag(OutputTokens, output);
        }

        if (e.PromptTokensDetails is { } promptDetails)
        {
            SetIfNotNull(activity, CacheReadInputTokens, promptDetails.CachedTokens);
            SetIfNotNull(activity, CacheCreationInputTokens, promptDetails.CacheCreationTokens);
            SetIfNotNull(activity, AudioInputTokens, promptDetails.AudioTokens);
        }

        if (e.CompletionTokensDetails is { } completionDetails)
        {
            SetIfNotNull(activity, ReasoningOutputTokens, completionDetails.ReasoningTokens);
            SetIfNotNull(activity, AudioOutputTokens, completionDetails.AudioTokens);
        }

        if (e.Cost is { } cost)
        {
            activity.SetTag(Cost, cost);
        }

        SetIfNotNull(activity, CostStatus, e.CostStatus);
        SetIfNotNull(activity, PriceTableVersion, e.PriceTableVersion);

        if (IsModelCall(e.LogType))
        {
            activity.SetTag(Stream, e.Stream);
            if (e.TimeToFirstToken is { } ttft)
            {
                activity.SetTag(TimeToFirstToken, ttft);
            }
        }

        SetIfNotNull(activity, CustomerIdentifier, e.CustomerIdentifier);
        SetIfNotNull(activity, CustomerEmail, e.CustomerEmail);
        SetIfNotNull(activity, CustomerName, e.CustomerName);
        if (e.ThreadIdentifier is not null)
        {
            activity.SetTag(ThreadIdentifier, e.ThreadIdentifier);
            activity.SetTag(ConversationId, e.ThreadIdentifier);
        }

        if (e.ConfigVersion is { } configVersion)
        {
            activity.SetTag(ConfigVersion, configVersion);
        }

        if (e.Tags is { Count: > 0 } tags)
        {
            foreach (var (key, value) in tags)
            {
                activity.SetTag(TagPrefix + key, value);
            }
        }

        if (e.Metadata is { Count: > 0 } metadata)
        {
            var json = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                json[key] = value?.DeepClone();
            }

            activity.SetTag(Metadata, json.ToJsonString());
        }

        if (e.EvalScores is { Count: > 0 } scores)
        {
            foreach (var (key, value) in scores)
            {
                activity.SetTag(EvalScorePrefix + key, value);
            }
        }

        if (e.Agent is { } agent)
        {
            activity.SetTag(AgentName, agent.Name);
            activity.SetTag("zespan.agent.role", agent.Role);
            activity.SetTag("zespan.agent.framework", agent.Framework);
        }

        if (e.Tool is { } tool)
        {
            activity.SetTag(ToolName, tool.Name);
            activity.SetTag(ToolType, "function");
            if (includeContent)
            {
                SetIfNotNull(activity, ToolCallArguments, tool.Arguments?.ToJsonString());
                SetIfNotNull(activity, ToolCallResult, tool.Result?.ToJsonString());
            }
        }

        if (e.Plan is { Count: > 0 } plan)
        {
            activity.SetTag(Plan, plan.ToArray());
        }

        if (e.Handoff is { } handoff)
        {
            activity.SetTag(HandoffFrom, handoff.From);
            activity.SetTag(HandoffTo, handoff.To);
            SetIfNotNull(activity, HandoffReason, handoff.Reason);
        }

        if (e.Guardrail is { } guardrail)
        {
            activity.SetTag(GuardrailPhase, guardrail.Phase);
            activity.SetTag(GuardrailPassed, guardrail.Passed);
            var policies = new string[guardrail.Results.Count];
            for (var i = 0; i < policies.Length; i++)
            {
                var r = guardrail.Results[i];
                policies[i] = r.Policy + ":" + r.Action + ":" + (r.Passed ? "passed" : "failed");
            }

            activity.SetTag(GuardrailResults, policies);
        }

        if (includeContent)
        {
            if (e.PromptMessages is { Count: > 0 } prompt)
            {
                var (system, messages) = ToInputMessages(prompt);
                SetIfNotNull(activity, SystemInstructions, system);
                activity.SetTag(InputMessages, messages);
            }

            if (e.CompletionMessage is { } completion)
            {
                activity.SetTag(OutputMessages, ToOutputMessages(completion, e.FinishReason));
            }
        }

        if (e.Error is { } error)
        {
            activity.SetTag(ErrorType, error.Type);
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }
        else if (e.StatusCode >= 400)
        {
            activity.SetTag(ErrorType, e.StatusCode.ToString(CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>Records the metrics of a model call with no allow-listed tags.</summary>
    public static void RecordMetrics(ZespanEvent e) => RecordMetrics(e, MetricTagSelector.None);

    /// <summary>
    /// Records <c>gen_ai.client.operation.duration</c>, and the usage metrics (<see cref="RecordUsage"/>), for a model call.
    /// </summary>
    public static void RecordMetrics(ZespanEvent e, MetricTagSelector allowed)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(allowed);
        if (!IsModelCall(e.LogType))
        {
            return;
        }

        RecordUsage(e, allowed);
        if (!ZespanDiagnostics.OperationDuration.Enabled)
        {
            return;
        }

        var tags = BaseTags(e);
        if (e.Error is { } error)
        {
            tags.Add(ErrorType, error.Type);
        }
        else if (e.StatusCode >= 400)
        {
            tags.Add(ErrorType, e.StatusCode.ToString(CultureInfo.InvariantCulture));
        }

        ZespanDiagnostics.OperationDuration.Record(e.Latency, tags);
    }

    /// <summary>
    /// Records what a model call used: <c>gen_ai.client.token.usage</c> (input, output), <c>zespan.cost</c> (USD) and
    /// <c>zespan.cost.unpriced_calls</c>. The first two carry the fields <paramref name="allowed"/> lets through
    /// (<see cref="ZespanOptions.MetricTagAllowList"/>); the unpriced count is by model only.
    /// </summary>
    public static void RecordUsage(ZespanEvent e, MetricTagSelector allowed)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(allowed);
        if (!IsModelCall(e.LogType))
        {
            return;
        }

        var tokensEnabled = ZespanDiagnostics.TokenUsage.Enabled && (e.PromptTokens is not null || e.CompletionTokens is not null);
        var costEnabled = ZespanDiagnostics.Cost.Enabled && e.Cost is { } cost && double.IsFinite(cost) && cost >= 0;
        if (e.CostStatus == CostStatuses.Unpriced && ZespanDiagnostics.UnpricedCalls.Enabled)
        {
            ZespanDiagnostics.UnpricedCalls.Add(1, BaseTags(e));
        }

        if (!tokensEnabled && !costEnabled)
        {
            return;
        }

        var tags = BaseTags(e);
        allowed.AddTo(ref tags, e);
        if (costEnabled)
        {
            ZespanDiagnostics.Cost.Add(e.Cost!.Value, tags);
        }

        if (tokensEnabled)
        {
            if (e.PromptTokens is { } input)
            {
                var inputTags = tags;
                inputTags.Add(TokenType, "input");
                ZespanDiagnostics.TokenUsage.Record(input, inputTags);
            }

            if (e.CompletionTokens is { } output)
            {
                var outputTags = tags;
                outputTags.Add(TokenType, "output");
                ZespanDiagnostics.TokenUsage.Record(output, outputTags);
            }
        }
    }

    private static TagList BaseTags(ZespanEvent e)
    {
        var tags = new TagList
        {
            { OperationName, GetOperationName(e.LogType, e.Name) },
        };
        if (GetProviderName(e.Provider) is { } provider)
        {
            tags.Add(ProviderName, provider);
        }

        if (e.Model is not null)
        {
            tags.Add(RequestModel, e.Model);
        }

        if (e.ResponseModel is not null)
        {
            tags.Add(ResponseModel, e.ResponseModel);
        }

        return tags;
    }

    /// <summary>
    /// Converts prompt messages to the conventions' <c>gen_ai.input.messages</c> JSON
    /// (<c>[{"role","parts":[{"type":"text","content"}|{"type":"tool_call",...}|{"type":"tool_call_response",...}]}]</c>),
    /// with system messages split out as <c>gen_ai.system_instructions</c>.
    /// </summary>
    public static (string? System, string Messages) ToInputMessages(IReadOnlyList<LlmMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var buffer = new MemoryStream();
        string? system = null;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            StringBuilder? systemText = null;
            foreach (var message in messages)
            {
                if (message.Role == "system")
                {
                    systemText ??= new StringBuilder();
                    if (systemText.Length > 0)
                    {
                        systemText.Append('\n');
                    }

                    systemText.Append(message.Content);
                    continue;
                }

                WriteMessage(writer, message, finishReason: null);
            }

            writer.WriteEndArray();
            if (systemText is not null)
            {
                system = JsonSerializer.Serialize(
                    new JsonArray(new JsonObject { ["type"] = "text", ["content"] = systemText.ToString() }),
                    Export.Internal.ZespanJsonContext.Default.JsonNode);
            }
        }

        return (system, Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Converts the completion to the conventions' <c>gen_ai.output.messages</c> JSON.</summary>
    public static string ToOutputMessages(LlmMessage completion, string? finishReason)
    {
        ArgumentNullException.ThrowIfNull(completion);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            WriteMessage(writer, completion, finishReason ?? "stop");
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteMessage(Utf8JsonWriter writer, LlmMessage message, string? finishReason)
    {
        writer.WriteStartObject();
        writer.WriteString("role", message.Role);
        writer.WriteStartArray("parts");
        if (message.Role == "tool")
        {
            writer.WriteStartObject();
            writer.WriteString("type", "tool_call_response");
            writer.WriteString("id", message.ToolCallId);
            writer.WriteString("response", message.Content);
            writer.WriteEndObject();
        }
        else if (!string.IsNullOrEmpty(message.Content))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("content", message.Content);
            writer.WriteEndObject();
        }

        if (message.ToolCalls is { } calls)
        {
            foreach (var call in calls)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "tool_call");
                writer.WriteString("id", call.Id);
                writer.WriteString("name", call.Name);
                writer.WritePropertyName("arguments");
                WriteJsonOrString(writer, call.Arguments);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
        if (finishReason is not null)
        {
            writer.WriteString("finish_reason", finishReason);
        }

        writer.WriteEndObject();
    }

    private static void WriteJsonOrString(Utf8JsonWriter writer, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            doc.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(text);
        }
    }

    private static void SetIfNotNull(Activity activity, string key, int? value)
    {
        if (value is { } v)
        {
            activity.SetTag(key, v);
        }
    }

    private static void SetIfNotNull(Activity activity, string key, string? value)
    {
        if (value is not null)
        {
            activity.SetTag(key, value);
        }
    }
}
