using System.Text;
using Microsoft.ML.Tokenizers;
using Zespan.Extensions.Pricing.Internal;

namespace Zespan.Extensions.Tests.Pricing;

public class TiktokenTokenCountEstimatorTests
{
    private static readonly TiktokenTokenizer O200k = TiktokenTokenizer.CreateForEncoding("o200k_base");

    [Fact]
    public void CountTokens_TextUpToTheExactLimit_IsTheTokenizersExactCount()
    {
        var text = Prose(TiktokenTokenCountEstimator.ExactLimit, seed: 1);

        Assert.Equal(O200k.CountTokens(text), TiktokenTokenCountEstimator.Instance.CountTokens("gpt-4o", text));
    }

    public static TheoryData<string, string> LongTexts => new()
    {
        { "prose", Prose(200 * 1024, seed: 2) },
        { "identifiers", Identifiers(120 * 1024, seed: 3) },
        { "prose then code", Prose(60 * 1024, seed: 4) + Code(60 * 1024) },
        { "emoji and CJK", Astral(80 * 1024, seed: 5) },
    };

    [Theory]
    [MemberData(nameof(LongTexts))]
    public void CountTokens_TextOverTheExactLimit_IsSampledWithinTwoPercentOfTheExactCount(string kind, string text)
    {
        var exact = O200k.CountTokens(text);

        var estimate = TiktokenTokenCountEstimator.Instance.CountTokens("gpt-4o", text);

        Assert.True(text.Length > TiktokenTokenCountEstimator.ExactLimit, kind);
        Assert.InRange(estimate, exact * 0.98, exact * 1.02);
    }

    [Fact]
    public void CountTokens_LongRunWithoutSpaces_IsCountedFromSlicesAndScaled()
    {
        // The pathological case for byte-pair encoding (one 200 KB word): counted exactly it takes the longest.
        var text = new string('p', 200 * 1024);

        Assert.Equal(O200k.CountTokens(text), TiktokenTokenCountEstimator.Instance.CountTokens("gpt-4o-mini", text));
    }

    [Fact]
    public void CountSampled_SlicesThatWouldCutASurrogatePair_NeverSplitIt()
    {
        // Every slice boundary falls inside a pair when each character before it is one astral code point.
        var text = string.Concat(Enumerable.Repeat("\U0001F600", TiktokenTokenCountEstimator.ExactLimit));

        var estimate = TiktokenTokenCountEstimator.CountSampled(O200k, text);

        Assert.InRange(estimate, O200k.CountTokens(text) * 0.98, O200k.CountTokens(text) * 1.02);
    }

    private static string Prose(int length, int seed)
    {
        string[] words = ["the", "model", "answered", "quickly", "while", "an", "observability", "library", "counted", "every", "token", "of", "its", "prompt", "and", "completion", "billing", "needs", "numbers", "users", "trust"];
        var random = new Random(seed);
        var sb = new StringBuilder(length + 32);
        while (sb.Length < length)
        {
            sb.Append(words[random.Next(words.Length)]).Append(random.Next(12) == 0 ? ". " : " ");
        }

        return sb.ToString(0, length);
    }

    private static string Identifiers(int length, int seed)
    {
        var random = new Random(seed);
        var sb = new StringBuilder(length + 64);
        while (sb.Length < length)
        {
            sb.Append(new Guid(random.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 16)).ToString("N")).Append(' ').Append(random.Next(100_000)).Append(", ");
        }

        return sb.ToString(0, length);
    }

    private static string Code(int length)
    {
        const string Line = "    public static int Add(int left, int right) => checked(left + right); // sums two numbers\n";
        var sb = new StringBuilder(length + Line.Length);
        while (sb.Length < length)
        {
            sb.Append(Line);
        }

        return sb.ToString(0, length);
    }

    private static string Astral(int length, int seed)
    {
        string[] pieces = ["\U0001F600", "\U0001F680", "日本語の文章", "料金", " ", "トークン", "\U0001F44D", "。"];
        var random = new Random(seed);
        var sb = new StringBuilder(length + 16);
        while (sb.Length < length)
        {
            sb.Append(pieces[random.Next(pieces.Length)]);
        }

        return sb.ToString();
    }
}
