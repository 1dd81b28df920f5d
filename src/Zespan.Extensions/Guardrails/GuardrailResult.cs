namespace Zespan.Extensions;

/// <summary>The verdict of one guardrail policy.</summary>
public sealed record GuardrailResult
{
    /// <summary>Gets the policy name (<c>pii</c>, <c>zespan.unavailable</c>, ...).</summary>
    public string Policy { get; init; } = string.Empty;

    /// <summary>Gets a value indicating whether the text passed the policy.</summary>
    public bool Passed { get; init; }

    /// <summary>Gets the action: <c>allow</c>, <c>block</c>, <c>redact</c> or <c>flag</c>.</summary>
    public string Action { get; init; } = "allow";

    /// <summary>Gets why the policy decided as it did.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets the text with the offending parts replaced, for a <c>redact</c> action.</summary>
    public string? ModifiedText { get; init; }
}

/// <summary>When a guardrail check runs.</summary>
public enum GuardrailPhase
{
    /// <summary>Before the request is sent: the prompt is checked.</summary>
    Pre,

    /// <summary>Before the response reaches the caller: the completion is checked.</summary>
    Post,
}
