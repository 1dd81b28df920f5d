using System.Collections.Frozen;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>A model's list price in USD per million tokens.</summary>
internal readonly record struct TokenPrice(decimal InputPerMillion, decimal OutputPerMillion)
{
    /// <summary>The cost of a call, in USD.</summary>
    public double Cost(int? promptTokens, int? completionTokens) =>
        (double)(((promptTokens ?? 0) * InputPerMillion + (completionTokens ?? 0) * OutputPerMillion) / 1_000_000m);
}

/// <summary>
/// The built-in price table used to estimate <c>cost</c> when the provider does not report one, and
/// its lookup. Prices are list prices for standard (pay-as-you-go, non-batch, short-context) use, in USD
/// per million tokens, as published by each provider around <see cref="AsOf"/>; cached input is priced
/// as ordinary input. They are estimates that go stale: <see cref="ZespanOptions.ModelPrices"/> overrides them.
/// </summary>
internal static class ModelPriceTable
{
    /// <summary>When the built-in prices were last checked.</summary>
    public const string AsOf = "2025-11";

    private static readonly FrozenDictionary<string, TokenPrice> BuiltIn = new Dictionary<string, TokenPrice>(StringComparer.Ordinal)
    {
        // OpenAI
        ["gpt-5"] = new(1.25m, 10m),
        ["gpt-5.1"] = new(1.25m, 10m),
        ["gpt-5-mini"] = new(0.25m, 2m),
        ["gpt-5-nano"] = new(0.05m, 0.40m),
        ["gpt-5-pro"] = new(15m, 120m),
        ["gpt-4.1"] = new(2m, 8m),
        ["gpt-4.1-mini"] = new(0.40m, 1.60m),
        ["gpt-4.1-nano"] = new(0.10m, 0.40m),
        ["gpt-4o"] = new(2.50m, 10m),
        ["gpt-4o-2024-05-13"] = new(5m, 15m),
        ["gpt-4o-mini"] = new(0.15m, 0.60m),
        ["chatgpt-4o-latest"] = new(5m, 15m),
        ["gpt-4-turbo"] = new(10m, 30m),
        ["gpt-4"] = new(30m, 60m),
        ["gpt-3.5-turbo"] = new(0.50m, 1.50m),
        ["o1"] = new(15m, 60m),
        ["o1-mini"] = new(1.10m, 4.40m),
        ["o1-pro"] = new(150m, 600m),
        ["o3"] = new(2m, 8m),
        ["o3-mini"] = new(1.10m, 4.40m),
        ["o3-pro"] = new(20m, 80m),
        ["o4-mini"] = new(1.10m, 4.40m),
        ["text-embedding-3-small"] = new(0.02m, 0m),
        ["text-embedding-3-large"] = new(0.13m, 0m),
        ["text-embedding-ada-002"] = new(0.10m, 0m),
        ["gpt-oss-120b"] = new(0.15m, 0.75m),
        ["gpt-oss-20b"] = new(0.10m, 0.50m),

        // Anthropic (also on Bedrock and Vertex)
        ["claude-opus-4-5"] = new(5m, 25m),
        ["claude-opus-4-1"] = new(15m, 75m),
        ["claude-opus-4"] = new(15m, 75m),
        ["claude-sonnet-4-5"] = new(3m, 15m),
        ["claude-sonnet-4"] = new(3m, 15m),
        ["claude-3-7-sonnet"] = new(3m, 15m),
        ["claude-3-5-sonnet"] = new(3m, 15m),
        ["claude-haiku-4-5"] = new(1m, 5m),
        ["claude-3-5-haiku"] = new(0.80m, 4m),
        ["claude-3-haiku"] = new(0.25m, 1.25m),
        ["claude-3-opus"] = new(15m, 75m),

        // Google
        ["gemini-3-pro"] = new(2m, 12m),
        ["gemini-2.5-pro"] = new(1.25m, 10m),
        ["gemini-2.5-flash"] = new(0.30m, 2.50m),
        ["gemini-2.5-flash-lite"] = new(0.10m, 0.40m),
        ["gemini-2.0-flash"] = new(0.10m, 0.40m),
        ["gemini-2.0-flash-lite"] = new(0.075m, 0.30m),
        ["gemini-1.5-pro"] = new(1.25m, 5m),
        ["gemini-1.5-flash"] = new(0.075m, 0.30m),
        ["gemini-embedding-001"] = new(0.15m, 0m),

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

        // Groq
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

    /// <summary>Estimates the cost of a call from its token counts; null when no price is known.</summary>
    public static double? EstimateCost(string? model, string? provider, int? promptTokens, int? completionTokens, IList<ModelPrice>? overrides)
    {
        if (promptTokens is null && completionTokens is null)
        {
            return null;
        }

        return TryGetPrice(model, provider, overrides, out var price) ? price.Cost(promptTokens, completionTokens) : null;
    }

    /// <summary>
    /// Finds a model's price: first the configured prices (exact id, then the longest <c>prefix*</c>), then the
    /// built-in table by exact id, by the id without provider, region, vendor and version decorations, without
    /// a date suffix, and finally by the longest table id the model starts with (<c>gpt-4o-2024-08-06</c> → <c>gpt-4o</c>).
    /// </summary>
    public static bool TryGetPrice(string? model, string? provider, IList<ModelPrice>? overrides, out TokenPrice price)
    {
        price = default;
        if (string.IsNullOrWhiteSpace(model))
        {
            return false;
        }

        var normalized = Normalize(model);
        if (overrides is { Count: > 0 } && (TryConfigured(model, provider, overrides, out price) || TryConfigured(normalized, provider, overrides, out price)))
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
    /// <c>models/</c>, an ARN's <c>.../</c>), Bedrock region and vendor prefixes (<c>us.anthropic.</c>), a Bedrock
    /// version suffix (<c>-v2:0</c>) and a Vertex version (<c>@20250929</c>).
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

    private static bool TryConfigured(string model, string? provider, IList<ModelPrice> overrides, out TokenPrice price)
    {
        price = default;
        var bestPrefix = -1;
        for (var i = 0; i < overrides.Count; i++)
        {
            var entry = overrides[i];
            if (entry is null || string.IsNullOrEmpty(entry.Model))
            {
                continue;
            }

            if (!string.IsNullOrEmpty(entry.Provider) && provider is not null && !string.Equals(entry.Provider, provider, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (entry.Model.EndsWith('*'))
            {
                var prefix = entry.Model.AsSpan(0, entry.Model.Length - 1);
                if (prefix.Length > bestPrefix && model.AsSpan().StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    bestPrefix = prefix.Length;
                    price = new TokenPrice(entry.InputPerMillion, entry.OutputPerMillion);
                }
            }
            else if (string.Equals(entry.Model, model, StringComparison.OrdinalIgnoreCase))
            {
                price = new TokenPrice(entry.InputPerMillion, entry.OutputPerMillion);
                return true;
            }
        }

        return bestPrefix >= 0;
    }

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
