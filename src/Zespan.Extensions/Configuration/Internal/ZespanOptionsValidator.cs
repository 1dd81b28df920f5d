using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Filtering.Internal;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>The source-generated validator of the data annotations on <see cref="ZespanOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class ZespanOptionsAnnotationsValidator : IValidateOptions<ZespanOptions>
{
}

/// <summary>
/// Validates <see cref="ZespanOptions"/> when the host starts: the generated annotation checks plus the
/// rules that span properties. Messages name the setting and the fix, and never contain the key.
/// Disabled options (<see cref="ZespanOptions.Enabled"/> false) are not validated.
/// </summary>
internal sealed class ZespanOptionsValidator : IValidateOptions<ZespanOptions>
{
    private static readonly ZespanOptionsAnnotationsValidator Annotations = new();

    public ValidateOptionsResult Validate(string? name, ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Skip;
        }

        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Annotations.Validate(name, options));

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            builder.AddError("Zespan:ApiKey is missing. Set Zespan:ApiKey in configuration or the ZESPAN_API_KEY environment variable to your Zespan API key (it starts with 'zsp_'), or set Zespan:Enabled to false to turn the SDK off.");
        }
        else if (!options.ApiKey.StartsWith("zsp_", StringComparison.Ordinal))
        {
            builder.AddError("Zespan:ApiKey is not a Zespan API key: it must start with 'zsp_'. Copy the key from your Zespan project settings into Zespan:ApiKey or ZESPAN_API_KEY.");
        }

        if (options.FlushInterval <= TimeSpan.Zero)
        {
            builder.AddError("Zespan:FlushInterval must be positive. Set Zespan:FlushInterval to a duration such as \"00:00:02\".");
        }

        CheckPositive(builder, options.ShutdownTimeout, "ShutdownTimeout", "00:00:05");
        CheckPositive(builder, options.RequestTimeout, "RequestTimeout", "00:00:10");
        CheckPositive(builder, options.GuardrailTimeout, "GuardrailTimeout", "00:00:05");
        if (options.PromptCacheTtl < TimeSpan.Zero)
        {
            builder.AddError("Zespan:PromptCacheTtl must not be negative. Set Zespan:PromptCacheTtl to a duration such as \"00:05:00\" (zero disables caching).");
        }

        ValidateBaseUrl(builder, options.BaseUrl);

        if (options.OfflineStorageDirectory is { } directory && (string.IsNullOrWhiteSpace(directory) || directory.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            builder.AddError("Zespan:OfflineStorageDirectory is not a usable path. Set it to a directory the app may write to, such as \"/var/lib/myapp/zespan\", or remove it to keep events in memory only.");
        }

        if (options.EnableOtel)
        {
            if (options.OtelEndpoint is null)
            {
                builder.AddError("Zespan:OtelEndpoint is required when Zespan:EnableOtel is true. Set Zespan:OtelEndpoint to your OpenTelemetry collector's base URL (for example http://localhost:4318), or set Zespan:EnableOtel to false.");
            }
            else if (!options.OtelEndpoint.IsAbsoluteUri || (options.OtelEndpoint.Scheme != Uri.UriSchemeHttp && options.OtelEndpoint.Scheme != Uri.UriSchemeHttps))
            {
                builder.AddError("Zespan:OtelEndpoint must be an absolute http or https URL, such as http://localhost:4318.");
            }
        }

        for (var i = 0; i < options.ModelOverrides.Count; i++)
        {
            var o = options.ModelOverrides[i];
            if (string.IsNullOrWhiteSpace(o.From) || string.IsNullOrWhiteSpace(o.To))
            {
                builder.AddError($"Zespan:ModelOverrides:{i} needs both From and To. Set Zespan:ModelOverrides:{i}:From to the model the app asks for and Zespan:ModelOverrides:{i}:To to the model to send instead.");
            }
        }

        for (var i = 0; i < options.ModelPrices.Count; i++)
        {
            var p = options.ModelPrices[i];
            if (string.IsNullOrWhiteSpace(p.Model) || p.InputPerMillion < 0 || p.OutputPerMillion < 0)
            {
                builder.AddError($"Zespan:ModelPrices:{i} needs a Model and non-negative InputPerMillion and OutputPerMillion (USD per million tokens).");
            }
        }

        Providers.Internal.ProviderEndpointValidation.Validate(builder, options);

        for (var i = 0; i < options.ExportFilters.Count; i++)
        {
            var error = ExportFilterCompiler.Validate(options.ExportFilters[i]);
            if (error is not null)
            {
                builder.AddError($"Zespan:ExportFilters:{i} {error}");
            }
        }

        return builder.Build();
    }

    private static void CheckPositive(ValidateOptionsResultBuilder builder, TimeSpan value, string name, string example)
    {
        if (value <= TimeSpan.Zero)
        {
            builder.AddError($"Zespan:{name} must be positive. Set Zespan:{name} to a duration such as \"{example}\".");
        }
    }

    private static void ValidateBaseUrl(ValidateOptionsResultBuilder builder, Uri? baseUrl)
    {
        if (baseUrl is null || !baseUrl.IsAbsoluteUri)
        {
            builder.AddError("Zespan:BaseUrl must be an absolute URL. Set Zespan:BaseUrl to https://api.zespan.com or your self-hosted Zespan's address, such as https://zespan.example.com/api/.");
            return;
        }

        if (baseUrl.Scheme == Uri.UriSchemeHttps)
        {
            return;
        }

        if (baseUrl.Scheme == Uri.UriSchemeHttp && baseUrl.IsLoopback)
        {
            return;
        }

        builder.AddError("Zespan:BaseUrl must use https (plain http is allowed only for a loopback host such as http://127.0.0.1:5087). Change Zespan:BaseUrl to an https:// address.");
    }
}

/// <summary>Fills <see cref="ZespanOptions.ApiKey"/> from <c>ZESPAN_API_KEY</c> when it is not set.</summary>
internal sealed class ZespanOptionsPostConfigure : IPostConfigureOptions<ZespanOptions>
{
    public void PostConfigure(string? name, ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            var fromEnvironment = System.Environment.GetEnvironmentVariable(ZespanOptions.ApiKeyEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                options.ApiKey = fromEnvironment.Trim();
            }
        }
    }
}
