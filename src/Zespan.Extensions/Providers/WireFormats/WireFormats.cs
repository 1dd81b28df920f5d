namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The registry of wire formats: one <see cref="IWireFormat"/> per <see cref="WireFamily"/>. A new vendor
/// format is one folder under <c>WireFormats/</c> and one line here.
/// </summary>
internal static class WireFormats
{
    private static readonly IWireFormat[] Registered =
    [
        OpenAIChatWireFormat.Instance,
        OpenAIResponsesWireFormat.Instance,
        OpenAIEmbeddingsWireFormat.Instance,
        AnthropicMessagesWireFormat.Instance,
        GeminiWireFormat.Instance,
        BedrockConverseWireFormat.Instance,
        BedrockInvokeWireFormat.Instance,
    ];

    private static readonly IWireFormat?[] ByFamily = Index(Registered);

    /// <summary>Gets every registered format.</summary>
    public static IReadOnlyList<IWireFormat> All => Registered;

    /// <summary>The format of a family, or <see langword="null"/> for <see cref="WireFamily.None"/> (and any family without one).</summary>
    public static IWireFormat? For(WireFamily family) =>
        (uint)family < (uint)ByFamily.Length ? ByFamily[(int)family] : null;

    private static IWireFormat?[] Index(IWireFormat[] formats)
    {
        var size = 0;
        foreach (var format in formats)
        {
            size = Math.Max(size, (int)format.Family + 1);
        }

        var byFamily = new IWireFormat?[size];
        foreach (var format in formats)
        {
            // The first registration of a family wins; the registry tests fail on a duplicate.
            byFamily[(int)format.Family] ??= format;
        }

        return byFamily;
    }
}
