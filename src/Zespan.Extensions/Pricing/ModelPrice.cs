namespace Zespan.Extensions;

/// <summary>
/// The price of a model, used to estimate <c>cost</c> when the provider reports none. Entries of
/// <see cref="ZespanOptions.ModelPrices"/> extend or override the built-in table; remote <c>model_price</c> rules
/// override both.
/// </summary>
public sealed class ModelPrice
{
    /// <summary>Gets or sets the model id (an exact id, or a prefix ending with <c>*</c>).</summary>
    public string Model { get; set; } = string.Empty;

    /// <summary>Gets or sets the provider the price applies to.</summary>
    /// <value>The default is <see langword="null"/>: any provider.</value>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the USD price of one million input tokens.</summary>
    public decimal InputPerMillion { get; set; }

    /// <summary>Gets or sets the USD price of one million output tokens (reasoning tokens are output).</summary>
    public decimal OutputPerMillion { get; set; }

    /// <summary>Gets or sets the USD price of one million input tokens read from the provider's prompt cache.</summary>
    /// <value>The default is <see langword="null"/>: cache reads are priced as ordinary input.</value>
    public decimal? CachedInputPerMillion { get; set; }

    /// <summary>Gets or sets the USD price of one million input tokens written to the provider's prompt cache.</summary>
    /// <value>The default is <see langword="null"/>: cache writes are priced as ordinary input.</value>
    public decimal? CacheWritePerMillion { get; set; }

    /// <summary>Gets the version of the remote configuration whose <c>model_price</c> rule this entry came from; null for a local price.</summary>
    internal long? RemoteConfigVersion { get; init; }
}
