using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>The registry: every wire family (and every operation Zespan records) has exactly one format.</summary>
public class WireFormatsTests
{
    /// <summary>Every family but None, read from the enum (by name: the enum is internal): a value added without a format fails here.</summary>
    public static TheoryData<string> Families()
    {
        var data = new TheoryData<string>();
        foreach (var family in Enum.GetValues<WireFamily>())
        {
            if (family != WireFamily.None)
            {
                data.Add(family.ToString());
            }
        }

        return data;
    }

    /// <summary>Every operation Zespan records, read from the enum: one added without a family with a format fails here.</summary>
    public static TheoryData<string> Operations()
    {
        var data = new TheoryData<string>();
        foreach (var operation in Enum.GetValues<ProviderOperation>())
        {
            if (operation != ProviderOperation.Unknown)
            {
                data.Add(operation.ToString());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void For_EveryWireFamily_ResolvesAFormatOfThatFamily(string familyName)
    {
        var family = Enum.Parse<WireFamily>(familyName);
        var format = WireFormats.For(family);

        Assert.NotNull(format);
        Assert.Equal(family, format.Family);
        Assert.Contains(format, WireFormats.All);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void For_EveryKnownOperation_ResolvesAFormat(string operationName)
    {
        Assert.NotNull(WireFormats.For(ProviderNames.Family(Enum.Parse<ProviderOperation>(operationName))));
    }

    [Fact]
    public void For_None_IsNull()
    {
        Assert.Null(WireFormats.For(WireFamily.None));
        Assert.Null(WireFormats.For((WireFamily)999));
    }

    [Fact]
    public void All_EachFamilyOnce_NoneForNone()
    {
        var families = WireFormats.All.Select(f => f.Family).ToList();

        Assert.Equal(families.Count, families.Distinct().Count());
        Assert.DoesNotContain(WireFamily.None, families);
        Assert.Equal(Enum.GetValues<WireFamily>().Length - 1, families.Count);
    }
}
