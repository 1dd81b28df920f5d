namespace Zespan.Extensions;

/// <summary>An LLM provider whose HTTP wire format Zespan reads.</summary>
/// <remarks>
/// The provider decides how a call is recorded: which endpoints are known, where the model is
/// named, and how tokens, cost and errors are read. OpenAI-compatible endpoints of other vendors
/// use <see cref="OpenAI"/> with <see cref="ZespanInstrumentationOptions.ProviderName"/> as their label.
/// </remarks>
public enum ZespanProvider
{
    /// <summary>OpenAI (<c>api.openai.com</c>) and Azure OpenAI: chat completions, responses and embeddings.</summary>
    OpenAI,

    /// <summary>Anthropic (<c>api.anthropic.com</c>): the Messages API.</summary>
    Anthropic,

    /// <summary>Google Gemini (<c>generativelanguage.googleapis.com</c>) and Vertex AI: generateContent and streamGenerateContent.</summary>
    Google,

    /// <summary>Amazon Bedrock Runtime: Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream.</summary>
    Bedrock,

    /// <summary>Mistral (<c>api.mistral.ai</c>), OpenAI-compatible chat completions and embeddings.</summary>
    Mistral,

    /// <summary>Groq (<c>api.groq.com</c>), OpenAI-compatible chat completions.</summary>
    Groq,

    /// <summary>OpenRouter (<c>openrouter.ai</c>), OpenAI-compatible chat completions with its own cost figure.</summary>
    OpenRouter,

    /// <summary>A LiteLLM proxy (hosts listed in <see cref="ZespanOptions.LiteLlmHosts"/>), OpenAI-compatible with its own cost header.</summary>
    LiteLlm,
}
