namespace Zespan.Extensions.AspNetCore.Internal;

/// <summary>What the request scope reads, copied once from a <see cref="ZespanAspNetCoreOptions"/> instance.</summary>
internal sealed class RequestContextSettings
{
    public RequestContextSettings(ZespanAspNetCoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        UserIdClaimTypes = options.UserIdClaimTypes is { } types ? [.. types.Where(static t => !string.IsNullOrWhiteSpace(t))] : [];
        CaptureUserEmailAndName = options.CaptureUserEmailAndName;
        SessionIdHeader = string.IsNullOrWhiteSpace(options.SessionIdHeader) ? null : options.SessionIdHeader.Trim();
        EnrichTags = options.EnrichTags;
    }

    /// <summary>Gets the options these settings were copied from.</summary>
    public ZespanAspNetCoreOptions Options { get; }

    public string[] UserIdClaimTypes { get; }

    public bool CaptureUserEmailAndName { get; }

    public string? SessionIdHeader { get; }

    public Action<Microsoft.AspNetCore.Http.HttpContext, IDictionary<string, string>>? EnrichTags { get; }
}
