namespace Zespan.Extensions;

/// <summary>The price of a model, used to estimate <c>cost</c> when the provider reports none.</summary>
public sealed class ModelPrice
{
    /// <summary>Gets or sets the model id (an exact id, or a prefix ending with <c>*</c>).</summary>
    public string Model { get; set; } = string.Empty;

    /// <summary>Gets or sets the provider the price applies to.</summary>
    /// <value>The default is <see langword="null"/>: any provider.</value>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the USD price of one million input tokens.</summary>
    public decimal InputPerMillion { get; set; }

    /// <summary>Gets or sets the USD price of one million output tokens.</summary>
    public decimal OutputPerMillion { get; set; }
}
