using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// Estimates the tokens of a generation whose provider reported no usage (an OpenAI-style stream without
/// <c>stream_options.include_usage</c>, a proxy that drops usage, a call cut short), from the prompt and completion
/// text the event holds, and marks the event <c>metadata.usage_status: "estimated"</c>. It runs in the lifecycle's
/// parse-and-price step on the export thread, never on the caller's path.
/// </summary>
/// <remarks>
/// The count follows OpenAI's chat accounting: the tokens of each message's role, text and tool calls, 3 tokens of
/// framing per message and 3 to prime the reply (for <c>[{"role":"user","content":"hello"}]</c> on gpt-4o-mini: 8, what
/// the API reports). Nothing is estimated without text (with
/// <see cref="ZespanOptions.StorePrompts"/> off no text is captured, so such calls keep null tokens), for calls that
/// are not generations, for calls that failed with an error status or were never sent, or when the provider reported
/// any count.
/// </remarks>
internal static class UsageEstimation
{
    /// <summary>The <c>metadata</c> key of the marker.</summary>
    public const string StatusKey = "usage_status";

    /// <summary>The marker's value.</summary>
    public const string Estimated = "estimated";

    private const int TokensPerMessage = 3;
    private const int ReplyPriming = 3;

    /// <summary>
    /// Whether the event is a generation that reached the model (a success status: a call refused with 4xx, or never
    /// sent, was not billed), has text, and has no token counts.
    /// </summary>
    public static bool IsNeeded(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.LogType is LogTypes.Generation or LogTypes.Response
            && item.StatusCode is >= 200 and < 400
            && item.PromptTokens is null && item.CompletionTokens is null && item.TotalTokens is null
            && (item.PromptMessages is { Count: > 0 } || item.CompletionMessage is not null);
    }

    /// <summary>Sets estimated token counts on an event that <see cref="IsNeeded"/>.</summary>
    /// <returns>True when counts were set.</returns>
    public static bool Estimate(ZespanEvent item, ITokenCountEstimator tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (!IsNeeded(item))
        {
            return false;
        }

        var model = item.Model ?? item.ResponseModel;
        int? prompt = null;
        if (item.PromptMessages is { Count: > 0 } messages)
        {
            var count = ReplyPriming;
            foreach (var message in messages)
            {
                count += TokensPerMessage + tokenizer.CountTokens(model, message.Role) + Count(tokenizer, model, message);
            }

            prompt = count;
        }

        var completion = item.CompletionMessage is { } reply ? Count(tokenizer, model, reply) : 0;
        item.PromptTokens = prompt;
        item.CompletionTokens = completion;
        item.TotalTokens = (prompt ?? 0) + completion;
        item.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        item.Metadata[StatusKey] = Estimated;
        return true;
    }

    private static int Count(ITokenCountEstimator tokenizer, string? model, LlmMessage message)
    {
        var count = message.Content is { Length: > 0 } content ? tokenizer.CountTokens(model, content) : 0;
        if (message.ToolCalls is { } calls)
        {
            foreach (var call in calls)
            {
                count += tokenizer.CountTokens(model, call.Name) + tokenizer.CountTokens(model, call.Arguments);
            }
        }

        return count;
    }
}
