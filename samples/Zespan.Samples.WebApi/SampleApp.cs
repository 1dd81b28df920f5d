using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Zespan.Extensions;
using Zespan.Samples.WebApi.Authentication;
using Zespan.Samples.WebApi.Controllers;
using Zespan.Samples.WebApi.Services;

namespace Zespan.Samples.WebApi;

/// <summary>
/// Builds the sample's <see cref="WebApplication"/>. <c>Program.cs</c> calls it with the command line; the quickstart
/// calls it in-process with configuration that points the app at the dev server it started.
/// </summary>
public static class SampleApp
{
    /// <summary>Builds the application, not yet started.</summary>
    /// <param name="args">Command-line arguments (<c>--urls</c>, <c>--Zespan:BaseUrl=...</c>, ...).</param>
    /// <param name="configureConfiguration">Adds configuration sources after the defaults (so they win).</param>
    /// <returns>The application.</returns>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configureConfiguration = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configureConfiguration?.Invoke(builder.Configuration);

        // 1. Zespan: options from the "Zespan" section of appsettings.json (ApiKey, BaseUrl, SampleRate, ...), and
        //    AddAspNetCore: every request runs in a Zespan context scope, so its LLM calls carry the signed-in user
        //    (customer_identifier), the X-Session-Id header (thread_identifier) and the route, with no BeginScope
        //    in the controllers.
        builder.Services.AddZespan(builder.Configuration.GetSection("Zespan"))
            .AddAspNetCore();

        // Who is calling: the sample signs callers in from their X-User-Id header (a development scheme; a real app
        // registers JWT bearer or cookies here, and Zespan reads the user from its claims just the same).
        builder.Services.AddAuthentication(DevelopmentAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(DevelopmentAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();

        // 2. The OpenAI .NET SDK on an instrumented typed HttpClient: every call SupportBot makes is traced,
        //    and checked by the guardrail policies of the Zespan server before and after the model answers.
        //    Guardrails (and model overrides) need the Zespan handler in the client's pipeline; an app that only
        //    records its calls writes `new OpenAIClient(...)` with no transport and AddZespan(...).InstrumentAllHttpClients()
        //    (see the Serverless sample and docs/providers.md).
        builder.Services.AddOptions<OpenAISettings>()
            .Bind(builder.Configuration.GetSection(OpenAISettings.SectionName))
            .Validate(static s => Uri.TryCreate(s.Endpoint, UriKind.Absolute, out _), "OpenAI:Endpoint must be an absolute URL.")
            .ValidateOnStart();
        builder.Services.AddHttpClient<SupportBot>()
            .AddZespanOpenAI(o => o.Guardrails = new GuardrailOptions());

        builder.Services.AddSingleton<OrderBook>();
        builder.Services.AddSingleton<RefundPolicy>();

        // 3. Controllers, with GuardrailBlockedException answered as 422 problem details.
        builder.Services.AddProblemDetails();
        builder.Services.AddControllers(static mvc => mvc.Filters.Add<GuardrailBlockedExceptionFilter>())
            .AddApplicationPart(typeof(SupportController).Assembly);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapControllers();
        app.MapGet("/", static (IOptions<OpenAISettings> openAi) => Results.Ok(new
        {
            sample = "Zespan.Samples.WebApi",
            endpoints = new[] { "POST /support/chat", "POST /support/stream", "POST /agent" },
            model = openAi.Value.Model,
        }));
        return app;
    }
}
