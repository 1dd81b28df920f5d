using System.Text;
using Microsoft.Extensions.AI;

namespace Zespan.Extensions.AI.Internal;

/// <summary>
/// What a stream of <see cref="ChatResponseUpdate"/> said, gathered as the updates pass: the completion text
/// (only when it is needed: stored prompts or a post-check), function calls, usage, finish reason and model.
/// The updates themselves are not kept.
/// </summary>
internal sealed class StreamAccumulator(bool captureText)
{
    private StringBuilder? _text;
    private List<LlmToolCall>? _calls;

    /// <summary>Gets the usage reported so far (<see cref="UsageContent"/> updates, summed as Microsoft.Extensions.AI does).</summary>
    public UsageDetails? Usage { get; private set; }

    /// <summary>Gets the last finish reason reported.</summary>
    public ChatFinishReason? FinishReason { get; private set; }

    /// <summary>Gets the last model id reported.</summary>
    public string? ModelId { get; private set; }

    /// <summary>Gets the number of updates seen.</summary>
    public int Count { get; private set; }

    /// <summary>Takes what an update says.</summary>
    /// <returns>Whether the update carries content (text, a function call, media; usage alone does not count).</returns>
    public bool Add(ChatResponseUpdate update)
    {
        Count++;
        if (update.FinishReason is { } finish)
        {
            FinishReason = finish;
        }

        if (!string.IsNullOrEmpty(update.ModelId))
        {
            ModelId = update.ModelId;
        }

        var assistant = update.Role is null || update.Role == ChatRole.Assistant;
        var hasContent = false;
        var contents = update.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case UsageContent usage:
                    if (usage.Details is { } details)
                    {
                        Usage ??= new UsageDetails();
                        Usage.Add(details);
                    }

                    break;
                case TextContent text:
                    if (!string.IsNullOrEmpty(text.Text))
                    {
                        hasContent = true;
                        if (captureText && assistant)
                        {
                            (_text ??= new StringBuilder()).Append(text.Text);
                        }
                    }

                    break;
                case TextReasoningContent reasoning:
                    hasContent |= !string.IsNullOrEmpty(reasoning.Text);
                    break;
                case FunctionCallContent call:
                    hasContent = true;
                    if (captureText && assistant)
                    {
                        (_calls ??= []).Add(ChatMessageConverter.ToToolCall(call));
                    }

                    break;
                case null:
                    break;
                default:
                    hasContent = true;
                    break;
            }
        }

        return hasContent;
    }

    /// <summary>The completion seen so far as one <c>assistant</c> message; null when nothing was captured.</summary>
    public LlmMessage? ToCompletion() =>
        _text is null && _calls is null ? null : new LlmMessage("assistant", _text?.ToString()) { ToolCalls = _calls };
}
