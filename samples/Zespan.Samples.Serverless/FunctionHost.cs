using Anthropic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions;

namespace Zespan.Samples.Serverless;

/// <summary>
/// Builds the function's host: once per cold start on a real platform (AWS Lambda, Azure Functions, Cloud Run
/// jobs), reused by the invocations of a warm instance.
/// </summary>
public static class FunctionHost
{
    /// <summary>Settings that point at a local dev server; environment variables and arguments override them
    /// (<c>Zespan__BaseUrl</c>, <c>Zespan__ApiKey</c> or <c>ZESPAN_API_KEY</c>, <c>Anthropic__BaseUrl</c>, ...).</summary>
    public static readonly IReadOnlyDictionary<string, string?> LocalDefaults = new Dictionary<string, string?>
    {
        ["Zespan:ApiKey"] = "zsp_dev",
        ["Zespan:BaseUrl"] = "http://127.0.0.1:5087",
        ["Anthropic:BaseUrl"] = "http://127.0.0.1:5087/mock/anthropic",
        ["Anthropic:ApiKey"] = "sk-ant-unused-by-the-mock",
        ["Anthropic:Model"] = "claude-haiku-4-5",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Builds the host, not yet started.</summary>
    /// <param name="args">Command-line arguments (<c>--Zespan:BaseUrl=...</c> and so on).</param>
    /// <param name="configureConfiguration">Adds configuration sources that win over everything else (tests).</param>
    /// <returns>The host.</returns>
    public static IHost Build(string[] args, Action<IConfigurationBuilder>? configureConfiguration = null)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(LocalDefaults); // first, so the defaults below override it
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            Configuration = configuration,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configureConfiguration?.Invoke(builder.Configuration);

        // Zespan records every LLM call of the process: the Anthropic SDK below is created the plain way, with its
        // own HttpClient, and nothing else in the app knows about tracing.
        builder.Services.AddZespan(builder.Configuration.GetSection("Zespan")).InstrumentAllHttpClients();
        builder.Services.Configure<AnthropicSettings>(builder.Configuration.GetSection(AnthropicSettings.SectionName));

        // api.anthropic.com is detected by its host; any other base URL (here the dev server's mock) is mapped to
        // the Anthropic wire format, as appsettings.json would with Zespan:ProviderEndpoints.
        builder.Services.AddOptions<ZespanOptions>().Configure<IOptions<AnthropicSettings>>(static (zespan, anthropic) =>
        {
            if (Uri.TryCreate(anthropic.Value.BaseUrl, UriKind.Absolute, out var url) && !url.Host.Equals("api.anthropic.com", StringComparison.OrdinalIgnoreCase))
            {
                zespan.ProviderEndpoints.Add(new ProviderEndpoint { Host = url.Authority, PathPrefix = url.AbsolutePath, Provider = ZespanProvider.Anthropic });
            }
        });
        builder.Services.AddSingleton<SummaryModel>();
        builder.Services.AddSingleton<SupportFunction>();
        return builder.Build();
    }
}

/// <summary>The <c>Anthropic</c> settings.</summary>
public sealed class AnthropicSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Anthropic";

    /// <summary>Gets or sets the API's base URL (the SDK appends <c>/v1/messages</c>).</summary>
    /// <value>The default is the dev server's mock.</value>
    public string BaseUrl { get; set; } = "http://127.0.0.1:5087/mock/anthropic";

    /// <summary>Gets or sets the key (the mock ignores it).</summary>
    /// <value>The default is a placeholder.</value>
    public string ApiKey { get; set; } = "sk-ant-unused-by-the-mock";

    /// <summary>Gets or sets the model.</summary>
    /// <value>The default is <c>claude-haiku-4-5</c>.</value>
    public string Model { get; set; } = "claude-haiku-4-5";
}

/// <summary>The model, through the official Anthropic SDK as anyone writes it: no HttpClient given, no Zespan code.</summary>
public sealed class SummaryModel
{
    private readonly AnthropicClient _client;
    private readonly string _model;

    /// <summary>Creates the client.</summary>
    /// <param name="settings">The <c>Anthropic</c> section.</param>
    public SummaryModel(IOptions<AnthropicSettings> settings)
    {
        var s = settings.Value;
        _model = s.Model;
        _client = new AnthropicClient { BaseUrl = s.BaseUrl, ApiKey = s.ApiKey };
    }

    /// <summary>Asks the model one question.</summary>
    /// <param name="question">The question.</param>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The text of the answer.</returns>
    public async Task<string> AskAsync(string question, CancellationToken cancellationToken = default)
    {
        var message = await _client.Messages.Create(new Anthropic.Models.Messages.MessageCreateParams
        {
            Model = _model,
            MaxTokens = 512,
            Messages = [new Anthropic.Models.Messages.UserMessageParam(question)],
        }, cancellationToken);

        var text = new System.Text.StringBuilder();
        foreach (var block in message.Content)
        {
            if (block.TryPickText(out var part))
            {
                text.Append(part.Text);
            }
        }

        return text.ToString();
    }
}
