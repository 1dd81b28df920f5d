using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Guardrails;

/// <summary>
/// Runs the policies over a check request (spec section 4). <c>pre</c> checks the content of every message,
/// <c>post</c> the completion's content. Policies run in their stored order; a <c>redact</c> policy's replacements
/// are seen by the policies after it, and every failed <c>redact</c> result carries the text after all redactions.
/// </summary>
internal static class GuardrailEngine
{
    public static JsonObject Check(JsonObject request, IReadOnlyList<GuardrailPolicy> policies)
    {
        var phase = HttpJson.OptionalString(request, "phase") ?? throw ApiException.BadRequest("phase is required: pre or post");
        if (phase is not ("pre" or "post"))
        {
            throw ApiException.BadRequest("phase must be pre or post");
        }

        // the texts under check, and the message objects they come from (for modified_messages)
        var texts = new List<string>();
        var sources = new List<JsonObject?>();
        var primary = -1;
        if (phase == "pre")
        {
            if (request["messages"] is not JsonArray messages)
            {
                throw ApiException.BadRequest("messages must be an array for phase pre");
            }

            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i] is not JsonObject message)
                {
                    throw ApiException.BadRequest($"messages[{i}] must be an object");
                }

                texts.Add(HttpJson.ContentText(message["content"]) ?? string.Empty);
                sources.Add(message);
                if (string.Equals(HttpJson.OptionalString(message, "role", $"messages[{i}]."), "user", StringComparison.Ordinal))
                {
                    primary = i;
                }
            }

            if (primary < 0)
            {
                primary = texts.Count - 1;
            }
        }
        else
        {
            switch (request["completion"])
            {
                case JsonObject completion:
                    texts.Add(HttpJson.ContentText(completion["content"]) ?? string.Empty);
                    sources.Add(completion);
                    break;
                case JsonValue value when value.TryGetValue<string>(out var text):
                    texts.Add(text);
                    sources.Add(null);
                    break;
                default:
                    throw ApiException.BadRequest("completion must be a message object (or a string) for phase post");
            }

            primary = 0;
        }

        var original = texts.ToArray();
        var results = new JsonArray();
        var redactResults = new List<JsonObject>();
        var passed = true;
        foreach (var policy in policies)
        {
            if (!policy.AppliesTo(phase))
            {
                continue;
            }

            var result = new JsonObject { ["policy"] = policy.Name };
            try
            {
                var found = new List<Finding>();
                for (var i = 0; i < texts.Count; i++)
                {
                    var findings = policy.Scan(texts[i]);
                    if (findings.Count > 0)
                    {
                        found.AddRange(findings);
                        if (policy.Action == "redact")
                        {
                            texts[i] = policy.Redact(texts[i], findings);
                        }
                    }
                }

                if (found.Count == 0)
                {
                    result["passed"] = true;
                    result["action"] = "allow";
                    result["reason"] = null;
                    result["modified_text"] = null;
                }
                else
                {
                    passed = false;
                    result["passed"] = false;
                    result["action"] = policy.Action;
                    result["reason"] = policy.Reason ?? Describe(policy, found);
                    result["modified_text"] = null;
                    if (policy.Action == "redact")
                    {
                        redactResults.Add(result);
                    }
                }
            }
            catch (RegexMatchTimeoutException e)
            {
                passed = false;
                result["passed"] = false;
                result["action"] = "flag";
                result["reason"] = string.Create(CultureInfo.InvariantCulture, $"the policy's pattern timed out after {e.MatchTimeout.TotalMilliseconds} ms; not applied");
                result["modified_text"] = null;
            }

            results.Add((JsonNode)result);
        }

        var answer = new JsonObject { ["passed"] = passed, ["results"] = results };
        if (redactResults.Count > 0 && primary >= 0)
        {
            foreach (var result in redactResults)
            {
                result["modified_text"] = texts[primary];
            }

            if (phase == "pre")
            {
                var modified = new JsonArray();
                for (var i = 0; i < texts.Count; i++)
                {
                    var copy = (JsonObject)sources[i]!.DeepClone();
                    if (!string.Equals(texts[i], original[i], StringComparison.Ordinal))
                    {
                        copy["content"] = texts[i];
                    }

                    modified.Add((JsonNode)copy);
                }

                answer["modified_messages"] = modified;
            }
        }

        return answer;
    }

    private static string Describe(GuardrailPolicy policy, List<Finding> found)
    {
        switch (policy.Kind)
        {
            case "blocklist":
                var words = found.Select(f => f.Text.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Take(5).ToList();
                return (words.Count == 1 ? "blocked word: " : "blocked words: ") + string.Join(", ", words);
            case "pii":
                return string.Join(", ", found.Select(f => f.Detector.Description).Distinct(StringComparer.Ordinal));
            default:
                return found[0].Detector.Description;
        }
    }
}
