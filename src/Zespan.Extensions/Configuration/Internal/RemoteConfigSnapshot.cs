namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// The rules of one remote configuration version, parsed and validated. Immutable: swapped whole, so
/// readers never see a half-applied rule set.
/// </summary>
internal sealed record RemoteConfigSnapshot
{
    public static readonly RemoteConfigSnapshot None = new();

    /// <summary>The remote version; null when no remote configuration was ever received.</summary>
    public long? Version { get; init; }

    public string? ETag { get; init; }

    public IReadOnlyList<ModelOverride> ModelOverrides { get; init; } = [];

    public double? SampleRate { get; init; }

    public IReadOnlyList<GuardrailRule> GuardrailRules { get; init; } = [];

    public IReadOnlyList<string> RedactKeys { get; init; } = [];

    /// <summary><c>log_level</c>: true for debug, false for anything else, null when no rule.</summary>
    public bool? Debug { get; init; }

    public bool? DisableTracing { get; init; }

    /// <summary><c>model_price</c> rules: prices over the built-in table and <see cref="ZespanOptions.ModelPrices"/>.</summary>
    public IReadOnlyList<ModelPrice> ModelPrices { get; init; } = [];

    /// <summary>Whether two snapshots say the same thing (the ETag aside).</summary>
    public bool SameRulesAs(RemoteConfigSnapshot other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Version == other.Version
            && SampleRate == other.SampleRate
            && Debug == other.Debug
            && DisableTracing == other.DisableTracing
            && RedactKeys.SequenceEqual(other.RedactKeys, StringComparer.Ordinal)
            && ModelOverrides.Count == other.ModelOverrides.Count
            && ModelOverrides.Zip(other.ModelOverrides).All(p => p.First.From == p.Second.From && p.First.To == p.Second.To && p.First.Provider == p.Second.Provider)
            && ModelPrices.Count == other.ModelPrices.Count
            && ModelPrices.Zip(other.ModelPrices).All(static p => p.First.Model == p.Second.Model && p.First.Provider == p.Second.Provider
                && p.First.InputPerMillion == p.Second.InputPerMillion && p.First.OutputPerMillion == p.Second.OutputPerMillion
                && p.First.CachedInputPerMillion == p.Second.CachedInputPerMillion && p.First.CacheWritePerMillion == p.Second.CacheWritePerMillion)
            && GuardrailRules.Count == other.GuardrailRules.Count
            && GuardrailRules.Zip(other.GuardrailRules).All(p => p.First.Provider == p.Second.Provider && p.First.Pre == p.Second.Pre && p.First.Post == p.Second.Post && p.First.FailClosed == p.Second.FailClosed);
    }
}
