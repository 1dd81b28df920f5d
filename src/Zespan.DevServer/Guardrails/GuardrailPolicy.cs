using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Guardrails;

/// <summary>One detector of a policy: a pattern, an optional check of each match (Luhn), a label for reasons and redaction.</summary>
internal sealed record Detector(string Label, string Description, Regex Pattern, Func<string, bool>? Accept = null);

/// <summary>A found span of text.</summary>
internal readonly record struct Finding(int Index, int Length, Detector Detector, string Text);

/// <summary>
/// A validated, compiled guardrail policy. Kinds: <c>blocklist</c> (<c>words</c>, whole words, case-insensitive),
/// <c>regex</c> (<c>pattern</c>, optional <c>ignore_case</c>), <c>pii</c> (<c>detectors</c>: <c>email</c>,
/// <c>credit_card</c> with a Luhn check, <c>phone</c>). Actions: <c>block</c>, <c>redact</c>, <c>flag</c>.
/// Phases: <c>pre</c>, <c>post</c>, <c>both</c>.
/// </summary>
internal sealed class GuardrailPolicy
{
    public static readonly string[] Kinds = ["blocklist", "regex", "pii"];
    public static readonly string[] Actions = ["block", "redact", "flag"];
    public static readonly string[] Phases = ["pre", "post", "both"];
    public static readonly string[] PiiDetectors = ["email", "credit_card", "phone"];

    private const int MaxNameLength = 100;

    private GuardrailPolicy(string name, string kind, string action, string phase, string? reason, string? replacement, IReadOnlyList<Detector> detectors, JsonObject definition)
    {
        Name = name;
        Kind = kind;
        Action = action;
        Phase = phase;
        Reason = reason;
        Replacement = replacement;
        Detectors = detectors;
        Definition = definition;
    }

    public string Name { get; }

    public string Kind { get; }

    public string Action { get; }

    public string Phase { get; }

    public string? Reason { get; }

    public string? Replacement { get; }

    public IReadOnlyList<Detector> Detectors { get; }

    /// <summary>The normalised definition, as stored and as the admin API shows it.</summary>
    public JsonObject Definition { get; }

    public bool AppliesTo(string phase) => Phase == "both" || Phase == phase;

    /// <summary>Validates and compiles a definition; <see cref="ApiException"/> (400) names what is wrong.</summary>
    public static GuardrailPolicy Parse(JsonNode? node, TimeSpan regexTimeout, string path = "")
    {
        if (node is not JsonObject obj)
        {
            throw ApiException.BadRequest($"{path}a policy must be a JSON object");
        }

        var kind = HttpJson.OptionalString(obj, "kind", path) ?? throw ApiException.BadRequest($"{path}kind is required: one of {string.Join(", ", Kinds)}");
        if (!Kinds.Contains(kind))
        {
            throw ApiException.BadRequest($"{path}kind must be one of {string.Join(", ", Kinds)}");
        }

        var name = HttpJson.OptionalString(obj, "name", path) ?? kind;
        if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal))
        {
            throw ApiException.BadRequest($"{path}name must be 1 to {MaxNameLength} characters, without '/' or control characters");
        }

        var action = HttpJson.OptionalString(obj, "action", path) ?? "block";
        if (!Actions.Contains(action))
        {
            throw ApiException.BadRequest($"{path}action must be one of {string.Join(", ", Actions)}");
        }

        var phase = HttpJson.OptionalString(obj, "phase", path) ?? "both";
        if (!Phases.Contains(phase))
        {
            throw ApiException.BadRequest($"{path}phase must be one of {string.Join(", ", Phases)}");
        }

        var reason = HttpJson.OptionalString(obj, "reason", path);
        var replacement = HttpJson.OptionalString(obj, "replacement", path);
        var definition = new JsonObject { ["name"] = name, ["kind"] = kind, ["action"] = action, ["phase"] = phase };
        var detectors = new List<Detector>();
        switch (kind)
        {
            case "blocklist":
            {
                var words = StringList(obj, "words", path);
                if (words.Count == 0)
                {
                    throw ApiException.BadRequest($"{path}words must be a non-empty array of strings");
                }

                // whole words: no letter, digit or underscore right before or after; longest first so phrases win
                var alternatives = string.Join('|', words.OrderByDescending(w => w.Length).Select(Regex.Escape));
                var pattern = new Regex($@"(?<![\p{{L}}\p{{N}}_])(?:{alternatives})(?![\p{{L}}\p{{N}}_])",
                    RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, regexTimeout);
                detectors.Add(new Detector("blocked_word", "blocked word", pattern));
                definition["words"] = ToArray(words);
                break;
            }

            case "regex":
            {
                var patternText = HttpJson.OptionalString(obj, "pattern", path);
                if (string.IsNullOrEmpty(patternText))
                {
                    throw ApiException.BadRequest($"{path}pattern is required for a regex policy");
                }

                var ignoreCase = HttpJson.OptionalBoolean(obj, "ignore_case", path) ?? false;
                Regex pattern;
                try
                {
                    pattern = new Regex(patternText, (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.CultureInvariant, regexTimeout);
                }
                catch (ArgumentException e)
                {
                    throw ApiException.BadRequest($"{path}pattern is not a valid .NET regular expression: {e.Message}");
                }

                detectors.Add(new Detector("pattern", "matched pattern " + Quote(patternText), pattern));
                definition["pattern"] = patternText;
                definition["ignore_case"] = ignoreCase;
                break;
            }

            case "pii":
            {
                var requested = obj.ContainsKey("detectors") ? StringList(obj, "detectors", path) : [.. PiiDetectors];
                if (requested.Count == 0)
                {
                    throw ApiException.BadRequest($"{path}detectors must name at least one of {string.Join(", ", PiiDetectors)}");
                }

                foreach (var detector in requested)
                {
                    detectors.Add(PiiPatterns.Create(detector, regexTimeout)
                        ?? throw ApiException.BadRequest($"{path}unknown PII detector '{detector}': use {string.Join(", ", PiiDetectors)}"));
                }

                definition["detectors"] = ToArray(requested);
                break;
            }
        }

        if (reason is not null)
        {
            definition["reason"] = reason;
        }

        if (replacement is not null)
        {
            definition["replacement"] = replacement;
        }

        return new GuardrailPolicy(name, kind, action, phase, reason, replacement, detectors, definition);
    }

    /// <summary>Every finding in <paramref name="text"/>, by position, overlaps dropped (the earlier, then the longer, wins).</summary>
    public List<Finding> Scan(string text)
    {
        var findings = new List<Finding>();
        foreach (var detector in Detectors)
        {
            for (var match = detector.Pattern.Match(text); match.Success; match = match.NextMatch())
            {
                if (match.Length > 0 && (detector.Accept is null || detector.Accept(match.Value)))
                {
                    findings.Add(new Finding(match.Index, match.Length, detector, match.Value));
                }
            }
        }

        findings.Sort(static (a, b) => a.Index != b.Index ? a.Index.CompareTo(b.Index) : b.Length.CompareTo(a.Length));
        var kept = new List<Finding>(findings.Count);
        var end = -1;
        foreach (var finding in findings)
        {
            if (finding.Index >= end)
            {
                kept.Add(finding);
                end = finding.Index + finding.Length;
            }
        }

        return kept;
    }

    /// <summary>The text with every finding replaced (<c>[REDACTED:email]</c>, or the policy's <c>replacement</c>).</summary>
    public string Redact(string text, List<Finding> findings)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        var position = 0;
        foreach (var finding in findings)
        {
            builder.Append(text, position, finding.Index - position);
            builder.Append(Replacement ?? (Kind == "pii" ? $"[REDACTED:{finding.Detector.Label}]" : "[REDACTED]"));
            position = finding.Index + finding.Length;
        }

        builder.Append(text, position, text.Length - position);
        return builder.ToString();
    }

    private static List<string> StringList(JsonObject obj, string name, string path)
    {
        if (obj[name] is not JsonArray array)
        {
            throw ApiException.BadRequest($"{path}{name} must be an array of strings");
        }

        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue value || !value.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text))
            {
                throw ApiException.BadRequest($"{path}{name} must hold non-empty strings only");
            }

            if (!list.Contains(text, StringComparer.Ordinal))
            {
                list.Add(text);
            }
        }

        return list;
    }

    private static JsonArray ToArray(IEnumerable<string> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add((JsonNode)item);
        }

        return array;
    }

    private static string Quote(string text) => text.Length <= 60 ? $"/{text}/" : $"/{text[..57]}.../";
}
