using Microsoft.Extensions.Options;

namespace Zespan.Extensions.AspNetCore.Internal;

/// <summary>
/// Validates <see cref="ZespanAspNetCoreOptions"/> when the host starts. Messages name the setting and the fix.
/// </summary>
internal sealed class ZespanAspNetCoreOptionsValidator : IValidateOptions<ZespanAspNetCoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ZespanAspNetCoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.UserIdClaimTypes is null)
        {
            builder.AddError("ZespanAspNetCoreOptions.UserIdClaimTypes is null. Set it to the claim types that hold the user id, for example [ClaimTypes.NameIdentifier, \"sub\"], or to an empty list to record no user id.");
        }
        else
        {
            for (var i = 0; i < options.UserIdClaimTypes.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(options.UserIdClaimTypes[i]))
                {
                    builder.AddError($"ZespanAspNetCoreOptions.UserIdClaimTypes[{i}] is empty. Remove it, or set it to a claim type such as ClaimTypes.NameIdentifier or \"sub\".");
                }
            }
        }

        if (!string.IsNullOrEmpty(options.SessionIdHeader) && !IsHeaderName(options.SessionIdHeader))
        {
            builder.AddError($"ZespanAspNetCoreOptions.SessionIdHeader '{options.SessionIdHeader}' is not an HTTP header name. Use letters, digits and '-' (for example \"{ZespanAspNetCoreOptions.DefaultSessionIdHeader}\"), or set it to null to read no session id.");
        }

        return builder.Build();
    }

    /// <summary>An HTTP field name: one or more token characters (RFC 9110, section 5.1).</summary>
    private static bool IsHeaderName(string value)
    {
        foreach (var c in value)
        {
            var token = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
                || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
            if (!token)
            {
                return false;
            }
        }

        return value.Length > 0;
    }
}
