using System.Collections.Frozen;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// The built-in price table used to estimate <c>cost</c> when the provider does not report one, and its lookup.
/// Prices are list prices for standard use (pay-as-you-go, not batch, not priority or flex, global endpoints), in
/// USD per million tokens: input, output, cache reads ("cached input") and cache writes (Anthropic's 5-minute
/// writes, OpenAI's explicit cache writes), with long-context tiers where the provider has them. They are
/// estimates that go stale: <see cref="ZespanOptions.ModelPrices"/> and remote <c>model_price</c> rules override
/// them, and <see cref="Version"/> is sent on every priced event (<c>price_table_version</c>).
/// </summary>
/// <remarks>
/// Sources, as read on <see cref="CheckedOn"/> (see docs/providers.md#prices for the table and what was not re-checked):
/// <list type="bullet">
/// <item><description>OpenAI: developers.openai.com/api/docs/pricing and the model pages (GPT-5.6 Sol/Terra/Luna: prompts
/// over 272K input tokens at 2x input and 1.5x output for the whole request; cache writes at 1.25x input).</description></item>
/// <item><description>Anthropic: platform.claude.com/docs/en/about-claude/pricing and the model overview pages (Sonnet 5.5 cache
/// reads cut to $0.10 on 2026-10-07; Haiku 5.5 priced by prompt length, above 100,000 tokens; Sonnet 4 and 4.5 above
/// 200K tokens).</description></item>
/// <item><description>Google: ai.google.dev/gemini-api/docs/pricing (Gemini 3.8 Flash is $0.75/$3.75 through 2026-12-31 and
/// $1.50/$7.50 from 2027-01-01: update the table, or set a <c>model_price</c> rule, then).</description></item>
/// <item><description>Groq: groq.com/pricing (GPT OSS 120B with cache hits at half price); Mistral and Bedrock (Amazon Nova,
/// Meta Llama) rows carry the previous table's list prices.</description></item>
/// <item><description>OpenRouter and LiteLLM report the cost themselves (<c>usage.cost</c>, <c>x-litellm-response-cost</c>): such
/// calls are <c>provided</c>; otherwise their <c>vendor/model</c> ids are priced as the vendor's model.</description></item>
/// </list>
/// </remarks>
internal static class ModelPriceTable
{
    /// <summary>The version of the built-in table, sent as <c>price_table_version</c> on events it priced.</summary>
    public const string Version = "2026-12-03";

    /// <summary>When the built-in prices were last checked against the providers' pages.</summary>
    public const string CheckedOn = "2026-12-03";

    /// <summary>Kept for older callers: <see cref="CheckedOn"/>.</summary>
    public const string AsOf = CheckedOn;

    /// <summary>The <c>price_table_version</c> of a price from <see cref="ZespanOptions.ModelPrices"/>.</summary>
    public const string LocalVersion = "local";

    private static readonly FrozenDictionary<string, TokenPrice> BuiltIn = new Dictionary<string, TokenPrice>(StringComparer.Ordinal)
    {
        // OpenAI. GPT-5.6: cache writes 1.25x input; prompts over 272K input tokens 2x input and 1.5x output.
        ["gpt-5.6-sol"] = Long(5m, 30m, 0.50m, 6.25m, 272_000, 10m, 45m, 1m, 12.50m),
        ["gpt-5.6"] = Long(5m, 30m, 0.50m, 6.25m, 272_000, 10m, 45m, 1m, 12.50m), // the alias routes to Sol
        ["gpt-5.6-terra"] = Long(2m, 12m, 0.20m, 2.50m, 272_000, 4m, 18m, 0.40m, 5m),
        ["gpt-5.6-luna"] = Long(0.20m, 1.20m, 0.02m, 0.25m, 272_000, 0.40m, 1.80m, 0.04m, 0.50m),
        ["gpt-5.5"] = new(5m, 30m, 0.50m),
        ["gpt-5.5-pro"] = new(30m, 180m),
        ["gpt-5.4"] = new(2.50m, 15m, 0.25m),
        ["gpt-5.4-mini"] = new(0.75m, 4.50m, 0.075m),
        ["gpt-5.4-nano"] = new(0.20m, 1.25m, 0.02m),
        ["gpt-5.4-pro"] = new(30m, 180m),
        ["gpt-5.2"] = new(1.75m, 14m, 0.175m),
        ["gpt-5.2-pro"] = new(21m, 168m),
        ["gpt-5.1"] = new(1.25m, 10m, 0.125m),
        ["gpt-5"] = new(1.25m, 10m, 0.125m),
        ["gpt-5-mini"] = new(0.25m, 2m, 0.025m),
        ["gpt-5-nano"] = new(0.05m, 0.40m, 0.005m),
        ["gpt-5-pro"] = new(15m, 120m),
        ["gpt-4.1"] = new(2m, 8m, 0.50m),
        ["gpt-4.1-mini"] = new(0.40m, 1.60m, 0.10m),
        ["gpt-4.1-nano"] = new(0.10m, 0.40m, 0.025m),
        ["gpt-4o"] = new(2.50m, 10m, 1.25m),
        ["gpt-4o-2024-05-13"] = new(5m, 15m),
        ["gpt-4o-mini"] = new(0.15m, 0.60m, 0.075m),
        ["chatgpt-4o-latest"] = new(5m, 15m),
        ["gpt-4-turbo"] = new(10m, 30m),
        ["gpt-4"] = new(30m, 60m),
        ["gpt-3.5-turbo"] = new(0.50m, 1.50m),
        ["o1"] = new(15m, 60m, 7.50m),
        ["o1-mini"] = new(1.10m, 4.40m, 0.55m),
        ["o1-pro"] = new(150m, 600m),
        ["o3"] = new(2m, 8m, 0.50m),
        ["o3-mini"] = new(1.10m, 4.40m, 0.55m),
        ["o3-pro"] = new(20m, 80m),
        ["o4-mini"] = new(1.10m, 4.40m, 0.275m),
        ["text-embedding-3-small"] = new(0.02m, 0m),
        ["text-embedding-3-large"] = new(0.13m, 0m),
        ["text-embedding-ada-002"] = new(0.10m, 0m),
        ["gpt-oss-120b"] = new(0.15m, 0.75m),
        ["gpt-oss-20b"] = new(0.10m, 0.50m),

        // Anthropic (also on Bedrock and Vertex). Cache writes are the 5-minute writes (1-hour writes cost more: set
        // ModelPrices for a workload that uses them); cache hits are 0.1x input, 0.05x on Opus and Sonnet 5.5.
        ["claude-fable-5-1"] = new(10m, 50m, 0.25m, 12.50m),
        ["claude-mythos-5-1"] = new(10m, 50m, 0.25m, 12.50m),
        ["claude-fable-5"] = new(10m, 50m, 1m, 12.50m),
        ["claude-mythos-5"] = new(10m, 50m, 1m, 12.50m),
        ["claude-opus-5-5"] = new(4m, 20m, 0.20m, 5m),
        ["claude-opus-5"] = new(5m, 25m, 0.50m, 6.25m),
        ["claude-opus-4-8"] = new(5m, 25m, 0.50m, 6.25m),
        ["claude-opus-4-7"] = new(5m, 25m, 0.50m, 6.25m),
        ["claude-opus-4-6"] = new(5m, 25m, 0.50m, 6.25m),
        ["claude-opus-4-5"] = new(5m, 25m, 0.50m, 6.25m),
        ["claude-opus-4-1"] = new(15m, 75m, 1.50m, 18.75m),
        ["claude-opus-4"] = new(15m, 75m, 1.50m, 18.75m),
        ["claude-sonnet-5-5"] = new(2m, 10m, 0.10m, 2.50m),
        ["claude-sonnet-5"] = new(2m, 10m, 0.20m, 2.50m),
        ["claude-sonnet-4-6"] = new(3m, 15m, 0.30m, 3.75m),
        ["claude-sonnet-4-5"] = Long(3m, 15m, 0.30m, 3.75m, 200_000, 6m, 22.50m, 0.60m, 7.50m),
        ["claude-sonnet-4"] = Long(3m, 15m, 0.30m, 3.75m, 200_000, 6m, 22.50m, 0.60m, 7.50m),
        ["claude-3-7-sonnet"] = new(3m, 15m, 0.30m, 3.75m),
        ["claude-3-5-sonnet"] = new(3m, 15m, 0.30m, 3.75m),
        ["claude-haiku-5-5"] = Long(0.10m, 0.50m, 0.01m, 0.125m, 100_000, 0.50m, 2.50m, 0.05m, 0.625m),
        ["claude-haiku-4-5"] = new(1m, 5m, 0.10m, 1.25m),
        ["claude-3-5-haiku"] = new(0.80m, 4m, 0.08m, 1m),
        ["claude-3-haiku"] = new(0.25m, 1.25m, 0.03m, 0.30m),
        ["claude-3-opus"] = new(15m, 75m, 1.50m, 18.75m),

        // Google (Gemini Developer API, paid tier, text/image/video input; cache reads are the context-caching price,
        // storage is billed apart and not included). Output includes thinking tokens.
        ["gemini-3.8-flash"] = new(0.75m, 3.75m, 0.075m),
        ["gemini-3.5-flash"] = new(1.50m, 9m, 0.15m),
        ["gemini-3.5-flash-lite"] = new(0.30m, 2.50m, 0.03m),
        ["gemini-3.1-pro"] = Long(2m, 12m, 0.20m, null, 200_000, 4m, 18m, 0.40m, null),
        ["gemini-3-pro"] = Long(2m, 12m, 0.20m, null, 200_000, 4m, 18m, 0.40m, null),
        ["gemini-3-flash"] = new(0.50m, 3m, 0.05m),
        ["gemini-2.5-pro"] = Long(1.25m, 10m, 0.125m, null, 200_000, 2.50m, 15m, 0.25m, null),
        ["gemini-2.5-flash"] = new(0.30m, 2.50m, 0.03m),
        ["gemini-2.5-flash-lite"] = new(0.10m, 0.40m, 0.01m),
        ["gemini-2.0-flash"] = new(0.10m, 0.40m, 0.025m),
        ["gemini-2.0-flash-lite"] = new(0.075m, 0.30m),
        ["gemini-1.5-pro"] = new(1.25m, 5m),
        ["gemini-1.5-flash"] = new(0.075m, 0.30m),
        ["gemini-embedding-001"] = new(0.15m, 0m),
        ["gemini-embedding-2"] = new(0.20m, 0m),

        // Mistral (also on Bedrock)
        ["mistral-large"] = new(2m, 6m),
        ["mistral-medium"] = new(0.40m, 2m),
        ["mistral-small"] = new(0.10m, 0.30m),
        ["magistral-medium"] = new(2m, 5m),
        ["magistral-small"] = new(0.50m, 1.50m),
        ["codestral"] = new(0.30m, 0.90m),
        ["devstral-medium"] = new(0.40m, 2m),
        ["devstral-small"] = new(0.10m, 0.30m),
        ["ministral-8b"] = new(0.10m, 0.10m),
        ["ministral-3b"] = new(0.04m, 0.04m),
        ["open-mistral-nemo"] = new(0.15m, 0.15m),
        ["pixtral-large"] = new(2m, 6m),
        ["pixtral-12b"] = new(0.15m, 0.15m),
        ["mistral-embed"] = new(0.10m, 0m),

        // Groq (its own prices for open models; "groq:" entries apply to provider groq only)
        ["groq:gpt-oss-120b"] = new(0.15m, 0.60m, 0.075m),
        ["groq:gpt-oss-20b"] = new(0.075m, 0.30m, 0.0375m),
        ["llama-3.3-70b-versatile"] = new(0.59m, 0.79m),
        ["llama-3.1-8b-instant"] = new(0.05m, 0.08m),
        ["llama-4-scout-17b-16e-instruct"] = new(0.11m, 0.34m),
        ["llama-4-maverick-17b-128e-instruct"] = new(0.20m, 0.60m),
        ["kimi-k2-instruct"] = new(1m, 3m),
        ["qwen3-32b"] = new(0.29m, 0.59m),

        // Amazon Bedrock (Meta and Amazon models; ids after region and vendor prefixes are removed)
        ["nova-micro"] = new(0.035m, 0.14m),
        ["nova-lite"] = new(0.06m, 0.24m),
        ["nova-pro"] = new(0.80m, 3.20m),
        ["nova-premier"] = new(2.50m, 12.50m),
        ["llama3-3-70b-instruct"] = new(0.72m, 0.72m),
        ["llama3-1-70b-instruct"] = new(0.72m, 0.72m),
        ["llama3-1-8b-instruct"] = new(0.22m, 0.22m),
        ["llama4-scout-17b-instruct"] = new(0.17m, 0.66m),
        ["llama4-maverick-17b-instruct"] = new(0.24m, 0.97m),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string[] BedrockRegionPrefixes = ["us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca."];

    private static readonly string[] BedrockVendorPrefixes = ["anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "ai21.", "deepseek.", "openai.", "qwen.", "writer."];

    /// <summary>Gets the number of built-in entries.</summary>
    public static int Count => BuiltIn.Count;

    /// <summary>The <c>price_table_version</c> of a price from a remote <c>model_price</c> rule of configuration <paramref name="version"/>.</summary>
    public static string RemoteVersion(long version) => "remote-" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Estimates the cost of a call from its token counts; null when no price is known.</summary>
    public static double? EstimateCost(string? model, string? provider, int? promptTokens, int? completionTokens, IList<ModelPrice>? overrides) =>
        EstimateCost(model, provider, new TokenCounts(promptTokens, completionTokens), overrides);

    /// <summary>Estimates the cost of a call from its token counts (cache reads and writes at their prices); null when no price is known.</summary>
    public static double? EstimateCost(string? model, string? provider, in TokenCounts usage, IList<ModelPrice>? overrides)
    {
        if (usage.IsEmpty)
        {
            return null;
        }

        return TryGetPrice(model, provider, overrides, out var price) ? price.Cost(usage) : null;
    }

    /// <summary>Finds a model's price (see <see cref="TryFind"/>).</summary>
    public static bool TryGetPrice(string? model, string? provider, IList<ModelPrice>? overrides, out TokenPrice price) =>
        TryFind(model, provider, overrides, out price, out _);

    /// <summary>
    /// Finds a model's price: first the remote <c>model_price</c> rules, then the local <see cref="ZespanOptions.ModelPrices"/>
    /// (each: exact id, then the longest <c>prefix*</c>; by the id as given, then normalised), then the built-in table by
    /// the provider's own entry (<c>groq:...</c>), by exact id, by the normalised id (provider, region, vendor and version
    /// decorations removed), without a date suffix, and finally by the longest table id the model starts with
    /// (<c>gpt-4o-2024-08-06</c> → <c>gpt-4o</c>).
    /// </summary>
    /// <param name="model">The model id.</param>
    /// <param name="provider">The event's provider, or null for any.</param>
    /// <param name="overrides">The configured prices (remote rules are entries with a remote version).</param>
    /// <param name="price">The price found.</param>
    /// <param name="version">Where it was found: <see cref="Version"/>, <see cref="LocalVersion"/> or <see cref="RemoteVersion"/>.</param>
    public static bool TryFind(string? model, string? provider, IList<ModelPrice>? overrides, out TokenPrice price, out string version)
    {
        price = default;
        version = Version;
        if (string.IsNullOrWhiteSpace(model))
        {
            return false;
        }

        var normalized = Normalize(model);
        if (overrides is { Count: > 0 })
        {
            foreach (var remote in (ReadOnlySpan<bool>)[true, false])
            {
                if (TryConfigured(model, provider, overrides, remote, out price, out var entry) || TryConfigured(normalized, provider, overrides, remote, out price, out entry))
                {
                    version = entry.RemoteConfigVersion is { } v ? RemoteVersion(v) : LocalVersion;
                    return true;
                }
            }
        }

        if (!string.IsNullOrEmpty(provider) && BuiltIn.TryGetValue(provider.ToLowerInvariant() + ":" + normalized, out price))
        {
            return true;
        }

        var lower = model.Trim().ToLowerInvariant();
        if (BuiltIn.TryGetValue(lower, out price) || BuiltIn.TryGetValue(normalized, out price))
        {
            return true;
        }

        var undated = StripDate(normalized);
        if (!ReferenceEquals(undated, normalized) && BuiltIn.TryGetValue(undated, out price))
        {
            return true;
        }

        return TryLongestPrefix(normalized, out price);
    }

    /// <summary>
    /// Lower-cases an id and removes what decorates the base model: a vendor path (<c>openai/</c>,
    /// <c>models/</c>, an ARN's <c>.../</c>), Bedrock region and vendor prefixes (<c>us.anthropic.</c>), a context-window
    /// marker (<c>[1m]</c>), OpenRouter's dotted Claude versions (<c>claude-sonnet-4.5</c>), a Bedrock version suffix
    /// (<c>-v2:0</c>), an OpenRouter variant (<c>:free</c>) and a Vertex version (<c>@20250929</c>).
    /// </summary>
    internal static string Normalize(string model)
    {
        var id = model.Trim().ToLowerInvariant();
        var slash = id.LastIndexOf('/');
        if (slash >= 0 && slash < id.Length - 1)
        {
            id = id[(slash + 1)..];
        }

        foreach (var prefix in BedrockRegionPrefixes)
        {
            if (id.StartsWith(prefix, StringComparison.Ordinal))
            {
                id = id[prefix.Length..];
                break;
            }
        }

        foreach (var prefix in BedrockVendorPrefixes)
        {
            if (id.StartsWith(prefix, StringComparison.Ordinal))
            {
                id = id[prefix.Length..];
                break;
            }
        }

        // A context-window marker (claude-haiku-5-5[1m]).
        var bracket = id.IndexOf('[', StringComparison.Ordinal);
        if (bracket > 0)
        {
            id = id[..bracket];
        }

        // OpenRouter spells Claude versions with dots (anthropic/claude-sonnet-4.5); Anthropic's ids use dashes.
        if (id.StartsWith("claude-", StringComparison.Ordinal) && id.Contains('.', StringComparison.Ordinal))
        {
            id = id.Replace('.', '-');
        }

        var at = id.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            id = id[..at];
        }

        // Bedrock version suffix: -v1:0, -v2:0, -v1 (and a trailing :0 context marker)
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            id = id[..colon];
        }

        var v = id.LastIndexOf("-v", StringComparison.Ordinal);
        if (v > 0 && v + 2 < id.Length && AllDigits(id.AsSpan(v + 2)))
        {
            id = id[..v];
        }

        return id;
    }

    /// <summary>Removes a trailing date: <c>-2024-08-06</c> or <c>-20250929</c>.</summary>
    internal static string StripDate(string id)
    {
        var span = id.AsSpan();
        if (span.Length > 11 && span[^11] == '-' && span[^6] == '-' && span[^3] == '-'
            && AllDigits(span[^10..^6]) && AllDigits(span[^5..^3]) && AllDigits(span[^2..]))
        {
            return id[..^11];
        }

        if (span.Length > 9 && span[^9] == '-' && AllDigits(span[^8..]))
        {
            return id[..^9];
        }

        return id;
    }

    private static bool TryLongestPrefix(string id, out TokenPrice price)
    {
        price = default;
        var bestLength = 0;
        foreach (var (key, value) in BuiltIn)
        {
            if (key.Length > bestLength && id.Length > key.Length && id.StartsWith(key, StringComparison.Ordinal) && IsBoundary(id[key.Length]))
            {
                bestLength = key.Length;
                price = value;
            }
        }

        return bestLength > 0;
    }

    private static bool TryConfigured(string model, string? provider, IList<ModelPrice> overrides, bool remote, out TokenPrice price, out ModelPrice entry)
    {
        price = default;
        entry = null!;
        var bestPrefix = -1;
        for (var i = 0; i < overrides.Count; i++)
        {
            var candidate = overrides[i];
            if (candidate is null || string.IsNullOrEmpty(candidate.Model) || (candidate.RemoteConfigVersion is not null) != remote)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(candidate.Provider) && provider is not null && !string.Equals(candidate.Provider, provider, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (candidate.Model.EndsWith('*'))
            {
                var prefix = candidate.Model.AsSpan(0, candidate.Model.Length - 1);
                if (prefix.Length > bestPrefix && model.AsSpan().StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    bestPrefix = prefix.Length;
                    price = PriceOf(candidate);
                    entry = candidate;
                }
            }
            else if (string.Equals(candidate.Model, model, StringComparison.OrdinalIgnoreCase))
            {
                price = PriceOf(candidate);
                entry = candidate;
                return true;
            }
        }

        return bestPrefix >= 0;
    }

    private static TokenPrice PriceOf(ModelPrice entry) =>
        new(entry.InputPerMillion, entry.OutputPerMillion, entry.CachedInputPerMillion, entry.CacheWritePerMillion);

    private static TokenPrice Long(decimal input, decimal output, decimal? cached, decimal? write, int above, decimal longInput, decimal longOutput, decimal? longCached, decimal? longWrite) =>
        new(input, output, cached, write) { LongContext = new LongContextTier(above, longInput, longOutput, longCached, longWrite) };

    private static bool IsBoundary(char c) => c is '-' or ':' or '@' or '_';

    private static bool AllDigits(ReadOnlySpan<char> span)
    {
        if (span.IsEmpty)
        {
            return false;
        }

        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
