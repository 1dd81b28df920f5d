using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The start-time checks of <see cref="ZespanOptions.ProviderEndpoints"/>, part of the options validator: each
/// message names the entry and the fix. Detection itself skips an entry that does not parse.
/// </summary>
internal static class ProviderEndpointValidation
{
    public static void Validate(ValidateOptionsResultBuilder builder, ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        for (var i = 0; i < options.ProviderEndpoints.Count; i++)
        {
            var entry = options.ProviderEndpoints[i];
            var setting = $"Zespan:ProviderEndpoints:{i}";
            if (entry is null || string.IsNullOrWhiteSpace(entry.Host))
            {
                builder.AddError($"{setting}:Host is missing. Set it to the endpoint's host (gateway.example.com), host and port (localhost:11434) or a domain suffix (*.example.com).");
                continue;
            }

            if (entry.Host.Contains("://", StringComparison.Ordinal) || entry.Host.AsSpan().IndexOfAny('/', '?') >= 0)
            {
                builder.AddError($"{setting}:Host '{entry.Host.Trim()}' is a URL: write the host only ('gateway.example.com:8443', without scheme or path) and put a path in {setting}:PathPrefix.");
            }
            else if (!HostPattern.TryParse(entry.Host, allowUrl: false, out _))
            {
                builder.AddError($"{setting}:Host '{entry.Host.Trim()}' is not a host: use host (gateway.example.com), host:port with a port from 1 to 65535 (localhost:11434) or *.suffix (*.example.com).");
            }

            if (!ProviderEndpointTable.TryNormalizePathPrefix(entry.PathPrefix, out _))
            {
                builder.AddError($"{setting}:PathPrefix '{entry.PathPrefix}' must be a path starting with '/' (such as /openai), without a query.");
            }

            if (!Enum.IsDefined(entry.Provider))
            {
                builder.AddError($"{setting}:Provider '{(int)entry.Provider}' is not a wire format Zespan reads: use one of {string.Join(", ", Enum.GetNames<ZespanProvider>())} (OpenAI for any OpenAI-compatible API).");
            }
        }
    }
}
