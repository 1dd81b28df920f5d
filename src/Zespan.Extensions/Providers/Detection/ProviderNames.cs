namespace Zespan.Extensions.Providers.Internal;

/// <summary>The names Zespan writes on events for providers and operations.</summary>
internal static class ProviderNames
{
    public const string OpenAI = "openai";
    public const string Anthropic = "anthropic";
    public const string Google = "google";
    public const string Bedrock = "bedrock";
    public const string Mistral = "mistral";
    public const string Groq = "groq";
    public const string OpenRouter = "openrouter";
    public const string LiteLlm = "litellm";

    // OpenAI-compatible vendors detected by their host (the OpenAI wire format, their own provider name).
    public const string DeepSeek = "deepseek";
    public const string XAI = "xai";
    public const string Together = "together";
    public const string Fireworks = "fireworks";
    public const string Perplexity = "perplexity";
    public const string Cerebras = "cerebras";

    /// <summary>The <c>provider</c> field of an event for a provider.</summary>
    public static string ToWireName(ZespanProvider provider) => provider switch
    {
        ZespanProvider.OpenAI => OpenAI,
        ZespanProvider.Anthropic => Anthropic,
        ZespanProvider.Google => Google,
        ZespanProvider.Bedrock => Bedrock,
        ZespanProvider.Mistral => Mistral,
        ZespanProvider.Groq => Groq,
        ZespanProvider.OpenRouter => OpenRouter,
        ZespanProvider.LiteLlm => LiteLlm,
        _ => OpenAI,
    };

    /// <summary>The part of the event <c>name</c> after the provider (<c>openai.chat.completions</c>).</summary>
    public static string OperationSuffix(ProviderOperation operation) => WireFormats.For(Family(operation))?.OperationName ?? "request";

    /// <summary>The <c>log_type</c> of an operation.</summary>
    public static string LogType(ProviderOperation operation) => WireFormats.For(Family(operation))?.LogType ?? LogTypes.Generation;

    /// <summary>The wire format an operation's bodies are read with.</summary>
    public static WireFamily Family(ProviderOperation operation) => operation switch
    {
        ProviderOperation.ChatCompletions => WireFamily.OpenAIChat,
        ProviderOperation.Responses => WireFamily.OpenAIResponses,
        ProviderOperation.Embeddings => WireFamily.OpenAIEmbeddings,
        ProviderOperation.AnthropicMessages => WireFamily.AnthropicMessages,
        ProviderOperation.GeminiGenerateContent or ProviderOperation.GeminiStreamGenerateContent => WireFamily.Gemini,
        ProviderOperation.BedrockConverse or ProviderOperation.BedrockConverseStream => WireFamily.BedrockConverse,
        ProviderOperation.BedrockInvoke or ProviderOperation.BedrockInvokeStream => WireFamily.BedrockInvoke,
        _ => WireFamily.None,
    };
}
