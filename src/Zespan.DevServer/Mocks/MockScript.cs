using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Mocks;

/// <summary>A tool the request offers: its name and JSON schema of arguments.</summary>
internal sealed record MockTool(string Name, JsonObject? Schema);

/// <summary>What the mock model answers: text, or a call to one tool, and how many tokens that took.</summary>
internal sealed record MockReply(string? Text, string? ToolName, JsonObject? ToolArguments, string FinishReason, int PromptTokens, int CompletionTokens)
{
    public bool IsToolCall => ToolName is not null;
}

/// <summary>
/// The mock models' deterministic rules, shared by the OpenAI and Anthropic endpoints (docs/dev-server.md):
/// <list type="number">
/// <item>the last message carries a tool result: a text reply that quotes it;</item>
/// <item>the request offers tools (and does not forbid them) and the last user message names one of them, or the
/// tool choice forces one: a call to that tool, with arguments built from its schema and the message;</item>
/// <item>otherwise a text reply that echoes the last user message.</item>
/// </list>
/// Token counts are estimates (about four characters per token); a reply longer than the request's token limit
/// is cut at a word and ends with the <c>length</c> reason.
/// </summary>
internal static partial class MockScript
{
    private const int MaxEcho = 200;

    public static MockReply Decide(string model, string? lastUserText, string? toolResult, IReadOnlyList<MockTool> tools, string? forcedTool, bool toolsForbidden, int promptTokens, long? maxTokens)
    {
        if (toolResult is not null)
        {
            return TextReply($"Here is what the tool returned: {Truncate(toolResult.Trim())}", promptTokens, maxTokens);
        }

        if (!toolsForbidden && tools.Count > 0)
        {
            MockTool? chosen = null;
            if (forcedTool is not null)
            {
                chosen = tools.FirstOrDefault(t => t.Name == forcedTool) ?? (forcedTool == "*" ? tools[0] : null);
            }

            if (chosen is null && lastUserText is not null)
            {
                foreach (var tool in tools)
                {
                    if (lastUserText.Contains(tool.Name, StringComparison.OrdinalIgnoreCase))
                    {
                        chosen = tool;
                        break;
                    }
                }
            }

            if (chosen is not null)
            {
                var arguments = BuildArguments(chosen.Schema, lastUserText ?? string.Empty);
                var completion = Tokens(chosen.Name) + Tokens(HttpJson.ToJson(arguments)) + 8;
                return new MockReply(null, chosen.Name, arguments, "tool_calls", promptTokens, completion);
            }
        }

        var echo = string.IsNullOrWhiteSpace(lastUserText) ? "(no user message)" : Truncate(lastUserText.Trim());
        return TextReply($"This is a mock reply from {model}. You said: \"{echo}\"", promptTokens, maxTokens);
    }

    /// <summary>The string value of <paramref name="node"/>, or null when it is not a JSON string.</summary>
    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>An estimate of the tokens in <paramref name="text"/>: a quarter of its length, at least 1.</summary>
    public static int Tokens(string? text) => string.IsNullOrEmpty(text) ? 0 : Math.Max(1, (text.Length + 3) / 4);

    /// <summary>The reply text in stream pieces: words with their leading space (<c>"Hello"</c>, <c>" world"</c>).</summary>
    public static List<string> Pieces(string text)
    {
        var pieces = new List<string>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ' ' && text[i - 1] != ' '))
            {
                pieces.Add(text[start..i]);
                start = i;
            }
        }

        return pieces;
    }

    /// <summary>A stable id for a response: a prefix and a hash of the request body.</summary>
    public static string Id(string prefix, ReadOnlySpan<byte> body, int length = 24)
    {
        var hash = SHA256.HashData(body);
        return prefix + Convert.ToHexStringLower(hash)[..length];
    }

    /// <summary>The status asked for with <c>mock_error=NNN</c> in the last user message (400 to 599), or null.</summary>
    public static int? RequestedError(string? lastUserText)
    {
        if (lastUserText is null)
        {
            return null;
        }

        var match = MockErrorPattern().Match(lastUserText);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 400 and <= 599
            ? status
            : null;
    }

    /// <summary>
    /// Arguments for a tool call: each property of the schema (the <c>required</c> ones, or all when none is
    /// required) takes the value written as <c>name=value</c> or <c>name: value</c> in the message; otherwise
    /// numbers take the first number in the message (else 1), strings with an <c>enum</c> the value the message
    /// mentions (else the first), other strings the first quoted text (else <c>"example"</c>), booleans true,
    /// arrays [] and objects {}.
    /// </summary>
    public static JsonObject BuildArguments(JsonObject? schema, string message)
    {
        var arguments = new JsonObject();
        if (schema?["properties"] is not JsonObject properties)
        {
            return arguments;
        }

        var names = new List<string>();
        if (schema["required"] is JsonArray required && required.Count > 0)
        {
            foreach (var item in required)
            {
                if (item is JsonValue v && v.TryGetValue<string>(out var n) && properties.ContainsKey(n))
                {
                    names.Add(n);
                }
            }
        }
        else
        {
            names.AddRange(properties.Select(p => p.Key));
        }

        foreach (var name in names)
        {
            var property = properties[name] as JsonObject;
            var type = property?["type"] switch
            {
                JsonValue v when v.TryGetValue<string>(out var t) => t,
                JsonArray a => a.Select(x => x?.GetValue<string>()).FirstOrDefault(t => t is not null and not "null"),
                _ => "string",
            };
            var explicitValue = ExplicitValue(message, name);
            arguments[name] = type switch
            {
                "integer" => long.TryParse(explicitValue ?? FirstNumber(message), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : 1,
                "number" => double.TryParse(explicitValue ?? FirstNumber(message), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 1,
                "boolean" => explicitValue is null || !explicitValue.Equals("false", StringComparison.OrdinalIgnoreCase),
                "array" => new JsonArray(),
                "object" => new JsonObject(),
                _ => explicitValue ?? (property?["enum"] is JsonArray values ? EnumValue(values, message) : FirstQuoted(message) ?? "example"),
            };
        }

        return arguments;
    }

    private static MockReply TextReply(string text, int promptTokens, long? maxTokens)
    {
        var completion = Tokens(text);
        if (maxTokens is { } max && max > 0 && completion > max)
        {
            var cut = text[..(int)Math.Min(text.Length, max * 4)];
            var space = cut.LastIndexOf(' ');
            text = space > 0 ? cut[..space] : cut;
            return new MockReply(text, null, null, "length", promptTokens, (int)max);
        }

        return new MockReply(text, null, null, "stop", promptTokens, completion);
    }

    private static string Truncate(string text) => text.Length <= MaxEcho ? text : text[..MaxEcho] + "...";

    private static string? ExplicitValue(string message, string name)
    {
        var match = Regex.Match(message, $@"(?<![\w]){Regex.Escape(name)}\s*[=:]\s*(?:""(?<v>[^""]*)""|'(?<v>[^']*)'|(?<v>[^\s,;]+))",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        return match.Success ? match.Groups["v"].Value : null;
    }

    private static string? FirstNumber(string message)
    {
        var match = NumberPattern().Match(message);
        return match.Success ? match.Value : null;
    }

    private static string? FirstQuoted(string message)
    {
        var match = DoubleQuotedPattern().Match(message);
        if (!match.Success)
        {
            match = SingleQuotedPattern().Match(message);
        }

        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The enum value the message mentions, else the first one.</summary>
    private static string EnumValue(JsonArray values, string message)
    {
        string? first = null;
        foreach (var value in values)
        {
            if (Str(value) is { } option)
            {
                first ??= option;
                if (message.Contains(option, StringComparison.OrdinalIgnoreCase))
                {
                    return option;
                }
            }
        }

        return first ?? "example";
    }

    [GeneratedRegex(@"mock_error\s*=\s*(\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex MockErrorPattern();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"""([^""]+)""", RegexOptions.CultureInvariant)]
    private static partial Regex DoubleQuotedPattern();

    [GeneratedRegex(@"(?<!\w)'([^']+)'(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex SingleQuotedPattern();
}
