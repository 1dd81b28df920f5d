using System.Globalization;
using System.Text.Json;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Parses <c>GET /v1/config</c> answers. Unknown rule types are ignored; a rule with an invalid value is
/// ignored and reported through <c>onInvalid</c>; a body that is not a configuration object yields null.
/// </summary>
/// <remarks>
/// The lists a configuration can hold have caps (<see cref="MaxRules"/>, <see cref="MaxRedactKeys"/>,
/// <see cref="MaxModelOverrides"/>, <see cref="MaxGuardrailRules"/>, strings of <see cref="MaxStringLength"/>): a
/// configuration over one, or holding text that cannot be decoded, is rejected whole (null, reported through
/// <c>onRejected</c>), so the last good configuration stays in force. Parsing never throws and is linear in the
/// size of the body (keys are de-duplicated through a hash set).
/// </remarks>
internal static class RemoteConfigParser
{
    /// <summary>The most rules one configuration holds (of any type, unknown ones included).</summary>
    public const int MaxRules = 1000;

    /// <summary>The most redact keys, over all <c>pii_redact_keys</c> rules.</summary>
    public const int MaxRedactKeys = 1000;

    /// <summary>The most <c>model_override</c> rules.</summary>
    public const int MaxModelOverrides = 500;

    /// <summary>The most <c>guardrail_enable</c> rules.</summary>
    public const int MaxGuardrailRules = 100;

    /// <summary>The most <c>model_price</c> rules one configuration may hold.</summary>
    public const int MaxModelPrices = 500;

    /// <summary>The longest key, model id or provider name, in characters.</summary>
    public const int MaxStringLength = 256;

    public static RemoteConfigSnapshot? Parse(ReadOnlySpan<byte> json, string? etag, Action<string, string> onInvalid, Action<string>? onRejected = null)
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
            try
            {
                return Read(document.RootElement, etag, onInvalid);
            }
            catch (RejectedException rejected)
            {
                onRejected?.Invoke(rejected.Message);
                return null;
            }
            catch (InvalidOperationException)
            {
                // A string with a lone surrogate escape or invalid UTF-8 cannot be read as text.
                onRejected?.Invoke("it holds text that cannot be decoded");
                return null;
            }
        }
    }

    private static RemoteConfigSnapshot? Read(JsonElement root, string? etag, Action<string, string> onInvalid)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("version", out var versionElement)
            || !versionElement.TryGetInt64(out var version))
        {
            return null;
        }

        var overrides = new List<ModelOverride>();
        var guardrails = new List<GuardrailRule>();
        var redactKeys = new List<string>();
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        var prices = new List<ModelPrice>();
        double? sampleRate = null;
        bool? debug = null;
        bool? disableTracing = null;
        if (root.TryGetProperty("rules", out var rules) && rules.ValueKind == JsonValueKind.Array)
        {
            if (rules.GetArrayLength() > MaxRules)
            {
                throw new RejectedException(string.Create(CultureInfo.InvariantCulture, $"it holds {rules.GetArrayLength()} rules, more than {MaxRules}"));
            }

            foreach (var rule in rules.EnumerateArray())
            {
                if (rule.ValueKind != JsonValueKind.Object || GetString(rule, "type") is not { } type)
                {
                    continue;
                }

                switch (type)
                {
                    case "model_override":
                        var from = Bounded(GetString(rule, "from"), "a model_override 'from'");
                        var to = Bounded(GetString(rule, "to"), "a model_override 'to'");
                        if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
                        {
                            onInvalid(type, "from and to must both be non-empty model ids");
                        }
                        else
                        {
                            if (overrides.Count == MaxModelOverrides)
                            {
                                throw new RejectedException(string.Create(CultureInfo.InvariantCulture, $"it holds more than {MaxModelOverrides} model_override rules"));
                            }

                            overrides.Add(new ModelOverride { From = from, To = to, Provider = NullIfStar(Bounded(GetString(rule, "provider"), "a model_override 'provider'")) });
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
                        if (guardrails.Count == MaxGuardrailRules)
                        {
                            throw new RejectedException(string.Create(CultureInfo.InvariantCulture, $"it holds more than {MaxGuardrailRules} guardrail_enable rules"));
                        }

                        guardrails.Add(new GuardrailRule
                        {
                            Provider = Bounded(GetString(rule, "provider"), "a guardrail_enable 'provider'") is { Length: > 0 } p ? p : "*",
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
                                if (key.ValueKind == JsonValueKind.String && Bounded(key.GetString(), "a pii_redact_keys key") is { Length: > 0 } k && seenKeys.Add(k))
                                {
                                    if (redactKeys.Count == MaxRedactKeys)
                                    {
                                        throw new RejectedException(string.Create(CultureInfo.InvariantCulture, $"it holds more than {MaxRedactKeys} redact keys"));
                                    }

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
                    case "model_price":
                        if (prices.Count == MaxModelPrices)
                        {
                            throw new RejectedException(string.Create(CultureInfo.InvariantCulture, $"it holds more than {MaxModelPrices} model_price rules"));
                        }

                        if (ParsePrice(rule, version, out var price, out var reason))
                        {
                            prices.Add(price);
                        }
                        else
                        {
                            onInvalid(type, reason);
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
            ModelPrices = prices,
        };
    }

    /// <summary>
    /// A <c>model_price</c> rule: <c>model</c> (required), <c>provider</c> (optional), <c>input_per_million</c> and
    /// <c>output_per_million</c> (required, USD, not negative), <c>cached_input_per_million</c> and
    /// <c>cache_write_per_million</c> (optional; null or absent: priced as input).
    /// </summary>
    private static bool ParsePrice(JsonElement rule, long version, out ModelPrice price, out string reason)
    {
        price = null!;
        reason = string.Empty;
        if (Bounded(GetString(rule, "model"), "a model_price 'model'") is not { Length: > 0 } model || string.IsNullOrWhiteSpace(model))
        {
            reason = "model must be a non-empty model id";
            return false;
        }

        decimal? input = null, output = null, cached = null, write = null;
        var error = GetPrice(rule, "input_per_million", required: true, ref input)
            ?? GetPrice(rule, "output_per_million", required: true, ref output)
            ?? GetPrice(rule, "cached_input_per_million", required: false, ref cached)
            ?? GetPrice(rule, "cache_write_per_million", required: false, ref write);
        if (error is not null)
        {
            reason = error;
            return false;
        }

        price = new ModelPrice
        {
            Model = model.Trim(),
            Provider = NullIfStar(Bounded(GetString(rule, "provider"), "a model_price 'provider'")),
            InputPerMillion = input!.Value,
            OutputPerMillion = output!.Value,
            CachedInputPerMillion = cached,
            CacheWritePerMillion = write,
            RemoteConfigVersion = version,
        };
        return true;
    }

    /// <returns>Null when the value is acceptable, else why not.</returns>
    private static string? GetPrice(JsonElement rule, string name, bool required, ref decimal? value)
    {
        if (!rule.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return required ? name + " is required (USD per million tokens)" : null;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDecimal(out var number) || number < 0)
        {
            return name + " must be a number of USD per million tokens, 0 or more, got " + element.GetRawText();
        }

        value = number;
        return null;
    }

    /// <summary>The value, or a rejection when it is longer than <see cref="MaxStringLength"/>.</summary>
    private static string? Bounded(string? value, string what) =>
        value is { Length: > MaxStringLength }
            ? throw new RejectedException(string.Create(CultureInfo.InvariantCulture, $"{what} is longer than {MaxStringLength} characters"))
            : value;

    private static string? NullIfStar(string? value) => value is null or "" or "*" ? null : value;

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? GetBool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static string Describe(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetRawText() : "nothing";

    /// <summary>Formats a version for logs.</summary>
    public static string FormatVersion(long? version) => version?.ToString(CultureInfo.InvariantCulture) ?? "none";

    /// <summary>A configuration over a cap: rejected whole.</summary>
    private sealed class RejectedException(string message) : Exception(message);
}
