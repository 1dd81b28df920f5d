using System.Diagnostics.CodeAnalysis;
using Microsoft.ML.Tokenizers;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// Counts tokens with Microsoft.ML.Tokenizers' tiktoken encodings: <c>cl100k_base</c> for GPT-4 and GPT-3.5 models,
/// <c>o200k_base</c> for every other model (exact for GPT-4o and later OpenAI models; an approximation, usually within
/// 10-20%, for Claude, Gemini, Llama and Mistral, whose tokenizers are not public or not shipped).
/// </summary>
/// <remarks>
/// Each encoding is built once, on first use (tens of milliseconds: its vocabulary is decompressed from the
/// <c>Microsoft.ML.Tokenizers.Data.*</c> assembly), on the export thread. The data assemblies are found by name
/// at run time, so the attributes below keep them when an app is trimmed or published native AOT.
/// <para>
/// A text longer than <see cref="ExactLimit"/> characters is counted from <see cref="SampleCount"/> evenly spaced
/// slices of <see cref="SampleLength"/> characters, scaled to its length: byte-pair encoding costs tens of
/// milliseconds per 200 KB of prose and more for long runs without spaces, which on the export thread would hold
/// back every event behind it. The sampled count stays within about 1% of the exact one on prose, code and
/// identifiers (docs/pricing.md); the cost per text is bounded like that of a 16 K-character text.
/// </para>
/// </remarks>
internal sealed class TiktokenTokenCountEstimator : ITokenCountEstimator
{
    public static readonly TiktokenTokenCountEstimator Instance = new();

    /// <summary>Texts up to this many characters are counted exactly.</summary>
    internal const int ExactLimit = 16_384;

    /// <summary>The number of slices a longer text is counted from.</summary>
    internal const int SampleCount = 32;

    /// <summary>The characters of each slice.</summary>
    internal const int SampleLength = ExactLimit / SampleCount;

    private static readonly Lazy<Tokenizer> O200k = new(static () => Create("o200k_base"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<Tokenizer> Cl100k = new(static () => Create("cl100k_base"), LazyThreadSafetyMode.ExecutionAndPublication);

    private TiktokenTokenCountEstimator()
    {
    }

    public int CountTokens(string? model, string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var tokenizer = UsesCl100k(model) ? Cl100k.Value : O200k.Value;
        return text.Length <= ExactLimit ? tokenizer.CountTokens(text) : CountSampled(tokenizer, text);
    }

    /// <summary>Counts <see cref="SampleCount"/> evenly spaced slices (first at the start, last at the end) and scales.</summary>
    internal static int CountSampled(Tokenizer tokenizer, string text)
    {
        long tokens = 0;
        long sampled = 0;
        var span = text.AsSpan();
        for (var i = 0; i < SampleCount; i++)
        {
            var start = (int)((long)(text.Length - SampleLength) * i / (SampleCount - 1));
            var end = start + SampleLength;

            // Never cut a surrogate pair: a slice starts after a low surrogate's pair and ends before a high surrogate.
            if (start > 0 && char.IsLowSurrogate(span[start]))
            {
                start++;
            }

            if (end < span.Length && char.IsHighSurrogate(span[end - 1]))
            {
                end--;
            }

            var slice = span[start..end];
            tokens += tokenizer.CountTokens(slice);
            sampled += slice.Length;
        }

        return (int)Math.Min(int.MaxValue, Math.Round(tokens * (double)text.Length / sampled));
    }

    /// <summary>GPT-4 (not 4o, 4.1) and GPT-3.5 models use <c>cl100k_base</c>; text-embedding-3 and ada-002 too.</summary>
    internal static bool UsesCl100k(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return false;
        }

        var id = ModelPriceTable.Normalize(model);
        return id.StartsWith("gpt-3.5", StringComparison.Ordinal)
            || id.StartsWith("text-embedding-", StringComparison.Ordinal)
            || (id.StartsWith("gpt-4", StringComparison.Ordinal) && !id.StartsWith("gpt-4o", StringComparison.Ordinal) && !id.StartsWith("gpt-4.", StringComparison.Ordinal));
    }

    [DynamicDependency(DynamicallyAccessedMemberTypes.All, "Microsoft.ML.Tokenizers.O200kBaseTokenizerData", "Microsoft.ML.Tokenizers.Data.O200kBase")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, "Microsoft.ML.Tokenizers.Cl100kBaseTokenizerData", "Microsoft.ML.Tokenizers.Data.Cl100kBase")]
    private static TiktokenTokenizer Create(string encoding) => TiktokenTokenizer.CreateForEncoding(encoding);
}
