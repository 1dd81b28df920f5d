namespace Zespan.Extensions;

/// <summary>Sends calls for one model to another.</summary>
public sealed class ModelOverride
{
    /// <summary>Gets or sets the model the app asks for.</summary>
    public string From { get; set; } = string.Empty;

    /// <summary>Gets or sets the model the request is sent with instead.</summary>
    public string To { get; set; } = string.Empty;

    /// <summary>Gets or sets the provider the override is limited to (<c>openai</c>, <c>anthropic</c>, ...).</summary>
    /// <value>The default is <see langword="null"/>: every provider.</value>
    public string? Provider { get; set; }
}
