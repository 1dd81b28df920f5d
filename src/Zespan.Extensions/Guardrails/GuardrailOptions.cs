namespace Zespan.Extensions;

/// <summary>Guardrail checks on one instrumented client.</summary>
public sealed class GuardrailOptions
{
    /// <summary>Gets or sets a value indicating whether the prompt is checked before the request is sent.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Pre { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the completion is checked before the caller gets it.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Post { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether a failed check (backend down, timeout) blocks the call.</summary>
    /// <value>The default is <see langword="false"/>: a failed check lets the call through and is logged.</value>
    public bool FailClosed { get; set; }
}
