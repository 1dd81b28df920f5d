namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The wire format a body is read with. Each value but <see cref="None"/> has one <see cref="IWireFormat"/>
/// in <see cref="WireFormats"/>; a test fails when a value is added without one.
/// </summary>
internal enum WireFamily
{
    None,
    OpenAIChat,
    OpenAIResponses,
    OpenAIEmbeddings,
    AnthropicMessages,
    Gemini,
    BedrockConverse,
    BedrockInvoke,
}
