namespace Zespan.Samples.WebApi.Services;

/// <summary>The <c>OpenAI</c> section of appsettings.json.</summary>
public sealed class OpenAISettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OpenAI";

    /// <summary>Gets or sets the API's base URL. The SDK appends <c>/chat/completions</c>.</summary>
    /// <value>The default is the dev server's mock, <c>http://127.0.0.1:5087/mock/openai/v1</c>.</value>
    public string Endpoint { get; set; } = "http://127.0.0.1:5087/mock/openai/v1";

    /// <summary>Gets or sets the OpenAI key (the mock ignores it).</summary>
    /// <value>The default is a placeholder.</value>
    public string ApiKey { get; set; } = "sk-unused-by-the-mock";

    /// <summary>Gets or sets the model.</summary>
    /// <value>The default is <c>gpt-4o-mini</c>.</value>
    public string Model { get; set; } = "gpt-4o-mini";
}
