namespace Zespan.Extensions.Tests.Properties;

/// <summary>Where each fixture of <c>tests/Fixtures/providers</c> comes from: its provider, endpoint and content type.</summary>
internal static class FixtureEndpoints
{
    private const string Bedrock = "https://bedrock-runtime.us-east-1.amazonaws.com/model/";
    private const string Gemini = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash";

    /// <summary>Every fixture (README excluded), in a fixed order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Providers.Fixtures.All().Order(StringComparer.Ordinal)];

    /// <summary>The request fixtures (<c>*.request.json</c>).</summary>
    public static IReadOnlyList<string> Requests { get; } = [.. Names.Where(n => n.EndsWith(".request.json", StringComparison.Ordinal))];

    /// <summary>The provider, URL and content type a fixture's body is served with.</summary>
    public static (ZespanProvider Provider, string Url, string ContentType) For(string fixture)
    {
        var sse = fixture.EndsWith(".sse", StringComparison.Ordinal);
        var type = sse ? "text/event-stream" : fixture.EndsWith(".bin", StringComparison.Ordinal) ? "application/vnd.amazon.eventstream" : "application/json";
        return fixture switch
        {
            _ when fixture.StartsWith("anthropic", StringComparison.Ordinal) => (ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", type),
            _ when fixture.StartsWith("bedrock-invoke-stream", StringComparison.Ordinal) => (ZespanProvider.Bedrock, Bedrock + "anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream", type),
            _ when fixture.StartsWith("bedrock-invoke", StringComparison.Ordinal) => (ZespanProvider.Bedrock, Bedrock + "anthropic.claude-3-haiku-20240307-v1%3A0/invoke", type),
            _ when fixture.StartsWith("bedrock-converse-stream", StringComparison.Ordinal) => (ZespanProvider.Bedrock, Bedrock + "amazon.nova-lite-v1%3A0/converse-stream", type),
            _ when fixture.StartsWith("bedrock", StringComparison.Ordinal) => (ZespanProvider.Bedrock, Bedrock + "amazon.nova-lite-v1%3A0/converse", type),
            _ when fixture.StartsWith("gemini", StringComparison.Ordinal) && sse => (ZespanProvider.Google, Gemini + ":streamGenerateContent?alt=sse", type),
            _ when fixture.StartsWith("gemini", StringComparison.Ordinal) => (ZespanProvider.Google, Gemini + ":generateContent", type),
            _ when fixture.StartsWith("groq", StringComparison.Ordinal) => (ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", type),
            _ when fixture.StartsWith("mistral", StringComparison.Ordinal) => (ZespanProvider.Mistral, "https://api.mistral.ai/v1/chat/completions", type),
            _ when fixture.StartsWith("openrouter", StringComparison.Ordinal) => (ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", type),
            _ when fixture.StartsWith("openai-responses", StringComparison.Ordinal) => (ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", type),
            _ => (ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions", type),
        };
    }

    /// <summary>The request fixture of the same provider and operation, if any.</summary>
    public static string? RequestFor(string fixture)
    {
        var (provider, url, _) = For(fixture);
        return Requests.FirstOrDefault(r => For(r) is var other && other.Provider == provider && SameOperation(other.Url, url));
    }

    private static bool SameOperation(string a, string b) =>
        string.Equals(a.Split('?')[0].Split(':')[^1].Split('/')[^1], b.Split('?')[0].Split(':')[^1].Split('/')[^1], StringComparison.Ordinal);
}
