using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>
/// Maps <see cref="Microsoft.Extensions.AI.ChatClientMetadata.ProviderName"/> (which implementations fill with
/// the OpenTelemetry <c>gen_ai.provider.name</c> values or their own names) onto the Zespan <c>provider</c> names
/// the HTTP handlers write, so events and guardrail rules agree whichever layer recorded a call.
/// </summary>
internal static class ChatProviderNames
{
    /// <summary>The Zespan provider name; an unknown name is kept, lower-cased; null stays null.</summary>
    public static string? ToZespanName(string? providerName)
    {
        if (string.IsNullOrWhiteSpace(providerName))
        {
            return null;
        }

        var name = providerName.Trim().ToLowerInvariant();
        return name switch
        {
            "openai" or "azure.ai.openai" or "azure_openai" or "azure.openai" or "azureopenai" or "azure" => ProviderNames.OpenAI,
            "anthropic" or "claude" => ProviderNames.Anthropic,
            "gcp.gemini" or "gcp.vertex_ai" or "gcp.gen_ai" or "google" or "gemini" or "vertex" or "vertex_ai" or "google.genai" => ProviderNames.Google,
            "aws.bedrock" or "bedrock" or "amazon.bedrock" or "aws_bedrock" => ProviderNames.Bedrock,
            "mistral_ai" or "mistral" or "mistralai" => ProviderNames.Mistral,
            "groq" => ProviderNames.Groq,
            "openrouter" => ProviderNames.OpenRouter,
            "litellm" => ProviderNames.LiteLlm,
            _ => name,
        };
    }
}
