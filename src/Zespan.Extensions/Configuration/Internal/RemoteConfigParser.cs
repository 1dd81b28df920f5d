using System.Globalization;
using System.Text.Json;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Parses <c>GET /v1/config</c> answers. Unknown rule types are ignored; a rule with an invalid value is
/// ignored and reported through <c>onInvalid</c>; a body that is not a configuration object yields null.
/// </summary>
internal static class RemoteConfigParser
{
    public static RemoteConfigSnapshot? Parse(ReadOnlySpan<byte> json, string? etag, Action<string, string> onInvalid)
    {
        ArgumentNullException.ThrowIfNull(onInvalid);
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("version", out var versionElement)
                || !versionElement.TryGetInt64(out var version))
            {
                return null;
            }

            var overrides = new List<ModelOverride>();
            var guardrails = new List<GuardrailRule>();
            var redactKeys = new List<string>();
            double? sampleRate = null;
            bool? debug = null;
            bool? disableTracing = null;
            if (root.TryGetProperty("rules", out var rules) && rules.ValueKind == JsonValueKind.Array)
            {
                foreach (var rule in rules.EnumerateArray())
                {
                    if (rule.ValueKind != JsonValueKind.Object || GetString(rule, "type") is not { } type)
                    {
                        continue;
                    }

                    switch (type)
                    {
                        case "model_override":
                            var from = GetString(rule, "from");
                            var to = GetString(rule, "to");
                            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
                            {
                                onInvalid(type, "from and to must both be non-empty model ids");
                            }
                            else
                            {
                                overrides.Add(new ModelOverride { From = from, To = to, Provider = NullIfStar(GetString(rule, "provider")) });
                            }

                            break;
                        case "sample_rate":
                            if (rule.TryGetProperty("value", out var rate) && rate.ValueKind == JsonValueKind.Number
                                && rate.TryGetDouble(out var r) && r is >= 0 and <= 1)
                            {
                                sampleRate = r;
                            }
                            else
                            {
                                onInvalid(type, "value must be a number from 0 to 1, got " + Describe(rule, "value"));
                            }

                            break;
                        case "guardrail_enable":
                            guardrails.Add(new GuardrailRule
                            {
                                Provider = GetString(rule, "provider") is { Length: > 0 } p ? p : "*",
                                Pre = GetBool(rule, "pre") ?? true,
                                Post = GetBool(rule, "post") ?? true,
                                FailClosed = GetBool(rule, "fail_closed") ?? false,
                                IsRemote = true,
                            });
                            break;
                        case "pii_redact_keys":
                            if (rule.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array)
                            {
                                foreach (var key in keys.EnumerateArray())
                                {
                                    if (key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } k)
                                    {
                                        redactKeys.Add(k);
                                    }
                                }
                            }
                            else
                            {
                                onInvalid(type, "keys must be an array of strings");
                            }

                            break;
                        case "log_level":
                            if (GetString(rule, "value") is { } level)
                            {
                                debug = string.Equals(level, "debug", StringComparison.OrdinalIgnoreCase);
                            }
                            else
                            {
                                onInvalid(type, "value must be a string such as \"debug\"");
                            }

                            break;
                        case "disable_tracing":
                            if (GetBool(rule, "value") is { } disable)
                            {
                                disableTracing = disable;
                            }
                            else
                            {
                                onInvalid(type, "value must be true or false");
                            }

                            break;
                        default:
                            // Forward compatibility: a rule type this SDK does not know is ignored.
                            break;
                    }
                }
            }

            return new RemoteConfigSnapshot
            {
                Version = version,
                ETag = etag,
                ModelOverrides = overrides,
                SampleRate = sampleRate,
                GuardrailRules = guardrails,
                RedactKeys = redactKeys,
                Debug = debug,
                DisableTracing = disableTracing,
            };
        }
    }

    private static string? NullIfStar(string? value) => value is null or "" or "*" ? null : value;

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? GetBool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static string Describe(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetRawText() : "nothing";

    /// <summary>Formats a version for logs.</summary>
    public static string FormatVersion(long? version) => version?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
