namespace Zespan.Extensions;

/// <summary>Checks prompts and completions against the guardrail policies of the Zespan backend.</summary>
public interface IGuardrailClient
{
    /// <summary>Runs one check (<c>POST /v1/guardrails/check</c>), bounded by <see cref="ZespanOptions.GuardrailTimeout"/>.</summary>
    /// <param name="request">What to check.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The verdict.</returns>
    /// <exception cref="GuardrailUnavailableException">The check itself failed: a non-2xx answer, an answer that does not parse, a timeout or a network error.</exception>
    Task<GuardrailCheckResult> CheckAsync(GuardrailCheckRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What a guardrail check looks at.</summary>
public sealed class GuardrailCheckRequest
{
    /// <summary>Gets the phase: <see cref="GuardrailPhase.Pre"/> checks the prompt, <see cref="GuardrailPhase.Post"/> the completion.</summary>
    public GuardrailPhase Phase { get; init; }

    /// <summary>Gets the provider of the call (<c>openai</c>, <c>anthropic</c>, ...).</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the model of the call.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the environment; <see cref="ZespanOptions.Environment"/> when null.</summary>
    public string? Environment { get; init; }

    /// <summary>Gets the trace the check belongs to.</summary>
    public string? TraceId { get; init; }

    /// <summary>Gets the span the check belongs to.</summary>
    public string? SpanId { get; init; }

    /// <summary>Gets the prompt messages.</summary>
    public IReadOnlyList<LlmMessage> Messages { get; init; } = [];

    /// <summary>Gets the completion, for a <see cref="GuardrailPhase.Post"/> check.</summary>
    public LlmMessage? Completion { get; init; }
}

/// <summary>The verdict of a guardrail check.</summary>
public sealed class GuardrailCheckResult
{
    /// <summary>Gets a value indicating whether every policy passed.</summary>
    public bool Passed { get; init; }

    /// <summary>Gets the verdict of each policy.</summary>
    public IReadOnlyList<GuardrailResult> Results { get; init; } = [];

    /// <summary>Gets a value indicating whether the call must be blocked: a result failed with action <c>block</c>.</summary>
    public bool Blocked
    {
        get
        {
            foreach (var result in Results)
            {
                if (!result.Passed && string.Equals(result.Action, "block", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Gets the replacement text of the first failed <c>redact</c> result, if any.</summary>
    public string? ModifiedText
    {
        get
        {
            foreach (var result in Results)
            {
                if (!result.Passed && string.Equals(result.Action, "redact", StringComparison.OrdinalIgnoreCase) && result.ModifiedText is not null)
                {
                    return result.ModifiedText;
                }
            }

            return null;
        }
    }
}

/// <summary>
/// Thrown when a guardrail policy blocks an LLM call. Derives from <see cref="Exception"/> directly, so
/// provider SDKs neither wrap it nor retry it.
/// </summary>
public sealed class GuardrailBlockedException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="phase">Whether the prompt or the completion was blocked.</param>
    /// <param name="results">The verdict of each policy.</param>
    public GuardrailBlockedException(GuardrailPhase phase, IReadOnlyList<GuardrailResult> results)
        : base(BuildMessage(phase, results))
    {
        Phase = phase;
        Results = results ?? [];
    }

    /// <summary>Initializes a new instance.</summary>
    public GuardrailBlockedException()
        : this(GuardrailPhase.Pre, [])
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public GuardrailBlockedException(string message)
        : base(message)
    {
        Results = [];
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GuardrailBlockedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Results = [];
    }

    /// <summary>Gets whether the prompt (<see cref="GuardrailPhase.Pre"/>) or the completion (<see cref="GuardrailPhase.Post"/>) was blocked.</summary>
    public GuardrailPhase Phase { get; }

    /// <summary>Gets the verdict of each policy.</summary>
    public IReadOnlyList<GuardrailResult> Results { get; }

    private static string BuildMessage(GuardrailPhase phase, IReadOnlyList<GuardrailResult>? results)
    {
        var what = phase == GuardrailPhase.Pre ? "prompt" : "completion";
        var reasons = results is null ? string.Empty : string.Join("; ", results.Where(r => !r.Passed).Select(r => r.Reason is null ? r.Policy : r.Policy + ": " + r.Reason));
        return reasons.Length == 0 ? $"A guardrail blocked the {what}." : $"A guardrail blocked the {what} ({reasons}).";
    }
}

/// <summary>Thrown by <see cref="IGuardrailClient.CheckAsync"/> when the check itself failed (not when a policy failed).</summary>
public sealed class GuardrailUnavailableException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public GuardrailUnavailableException()
        : base("The guardrail check failed.")
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public GuardrailUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GuardrailUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the HTTP status of the failed check, when there was an answer.</summary>
    public int? StatusCode { get; init; }
}
