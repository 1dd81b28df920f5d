namespace Zespan.Extensions.Providers.Internal;

/// <summary>The LLM endpoint a request goes to, decided from its path.</summary>
internal enum ProviderOperation
{
    /// <summary>Not an endpoint Zespan records (model lists, files, token counting, ...).</summary>
    Unknown,

    /// <summary>OpenAI-style <c>POST .../chat/completions</c> (OpenAI, Azure, Mistral, Groq, OpenRouter, LiteLLM, Gemini's OpenAI endpoint).</summary>
    ChatCompletions,

    /// <summary>OpenAI Responses API, <c>POST .../responses</c>.</summary>
    Responses,

    /// <summary>OpenAI-style <c>POST .../embeddings</c>.</summary>
    Embeddings,

    /// <summary>Anthropic <c>POST /v1/messages</c> (also Vertex <c>:rawPredict</c> / <c>:streamRawPredict</c> on Anthropic models).</summary>
    AnthropicMessages,

    /// <summary>Gemini / Vertex <c>models/{model}:generateContent</c>.</summary>
    GeminiGenerateContent,

    /// <summary>Gemini / Vertex <c>models/{model}:streamGenerateContent</c>, with or without <c>alt=sse</c>.</summary>
    GeminiStreamGenerateContent,

    /// <summary>Bedrock <c>POST /model/{modelId}/converse</c>.</summary>
    BedrockConverse,

    /// <summary>Bedrock <c>POST /model/{modelId}/converse-stream</c> (binary event stream).</summary>
    BedrockConverseStream,

    /// <summary>Bedrock <c>POST /model/{modelId}/invoke</c> (the model family's native body).</summary>
    BedrockInvoke,

    /// <summary>Bedrock <c>POST /model/{modelId}/invoke-with-response-stream</c> (binary event stream of <c>chunk</c> events).</summary>
    BedrockInvokeStream,
}
