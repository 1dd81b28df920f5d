using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Redaction.Internal;

namespace Zespan.Extensions.Tests.Properties;

/// <summary>
/// Property-based tests of redaction: a generated secret written under a matching key (any default key, in
/// snake, kebab, dotted, upper, camel or Pascal case, with a prefix or a suffix word), in any place of an event the
/// rules cover (tags, metadata at any depth, tool arguments, JSON inside strings, message text in every
/// <c>key: value</c> form), never survives; arbitrary text never makes redaction throw.
/// </summary>
public class RedactionProperties
{
    private static readonly RedactionKeySet Keys = RedactionKeySet.Create(new ZespanOptions());

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 1024 };

    private static readonly string[] Prefixes = ["db", "user", "my", "x", "service", "primary"];

    private static readonly string[] Suffixes = ["hash", "id", "value", "header", "number"];

    private static readonly string[] Fillers = ["", "hello there", "the config is", "{\"note\": \"ok\",", "line one\n", "a=1, b=2,", "url: https://example.com/?q=1\n", "user: bob;"];

    /// <summary>A matching key: a default key in one of the styles, with at most one extra word before or after it.</summary>
    internal static Gen<string> MatchingKey { get; } =
        Gen.Select(Gen.Int[0, ZespanOptions.DefaultRedactKeys.Count - 1], Gen.Int[0, 6], Gen.Int[0, 2], Gen.Int[0, Prefixes.Length - 1], Gen.Int[0, Suffixes.Length - 1])
            .Select(t =>
            {
                var (key, style, extra, prefix, suffix) = t;
                var words = ZespanOptions.DefaultRedactKeys[key].Split('_').ToList();
                if (extra == 1)
                {
                    words.Insert(0, Prefixes[prefix]);
                }
                else if (extra == 2)
                {
                    words.Add(Suffixes[suffix]);
                }

                return style switch
                {
                    0 => string.Join('_', words),
                    1 => string.Join('_', words).ToUpperInvariant(),
                    2 => string.Join('-', words),
                    3 => string.Join('.', words),
                    4 => words[0] + string.Concat(words.Skip(1).Select(Capitalize)),
                    5 => string.Concat(words.Select(Capitalize)),
                    _ => string.Join('-', words.Select(Capitalize)),
                };
            });

    /// <summary>A secret: a marker and random letters and digits (nothing that ends a value early).</summary>
    internal static Gen<string> Secret { get; } = Gen.String[Gen.Char.AlphaNumeric, 10, 24].Select(s => "zsec" + s);

    private static Gen<string> Filler { get; } = Gen.Int[0, Fillers.Length - 1].Select(i => Fillers[i]);

    private static Gen<(int Place, int Form, string Key, string Secret, string Before, string After, int Depth)> Cases { get; } =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 6], MatchingKey, Secret, Filler, Filler, Gen.Frequency((9, Gen.Int[0, 6]), (1, Gen.Int[120, 200])));

    [Fact]
    public void Redact_SecretUnderAMatchingKeyAnywhere_NeverSurvives() =>
        PropertyRunner.Check(Cases, c =>
        {
            var item = Place(c.Place, c.Form, c.Key, c.Secret, c.Before, c.After, c.Depth);
            EventRedactor.Redact(item, Keys);
            var leaving = Text(item);
            Assert.True(!leaving.Contains(c.Secret, StringComparison.Ordinal), $"the secret survived in: {Shorten(leaving, c.Secret)}");
        }, iterations: 20_000, budget: TimeSpan.FromSeconds(5), print: c => c.ToString());

    [Fact]
    public void Matches_GeneratedMatchingKeys_AllMatch() =>
        PropertyRunner.Check(MatchingKey, key => Assert.True(Keys.Matches(key), key), iterations: 3000, budget: TimeSpan.FromSeconds(2));

    [Fact]
    public void Redact_ArbitraryText_NeverThrowsAndTextWithoutSeparatorsIsKept()
    {
        var hostile = Gen.Frequency(
            (3, Gen.String),
            (2, Gen.String[Gen.Char["{}[]\":=,;'\\\n\r \tapasswordtokenAPIKey\uD800\uDC00é"], 0, 200]),
            (1, Gen.Int[0, 300].Select(n => new string('[', n) + "{\"password\":\"x\"}" + new string(']', n))));
        PropertyRunner.Check(hostile, text =>
        {
            var redacted = EventRedactor.RedactString(text, Keys, 0);
            Assert.NotNull(redacted);
            if (text.IndexOfAny([':', '=']) < 0)
            {
                Assert.Same(text, redacted);
            }

            var item = new ZespanEvent
            {
                Tags = new() { [text.Length > 0 ? text : "t"] = text },
                Metadata = new() { ["m"] = JsonValue.Create(text), ["o"] = new JsonObject { [text.Length > 0 ? text : "k"] = text } },
                PromptMessages = [new LlmMessage("user", text) { ToolCalls = [new LlmToolCall("c", "f", text)] }],
                Error = new ZespanError("x", text),
            };
            EventRedactor.Redact(item, Keys);
        }, iterations: 3000, budget: TimeSpan.FromSeconds(5), print: t => JsonSerializer.Serialize(t));
    }

    /// <summary>Writes the secret under the key in one of the places the rules cover.</summary>
    private static ZespanEvent Place(int place, int form, string key, string secret, string before, string after, int depth)
    {
        var item = new ZespanEvent();
        switch (place)
        {
            case 0:
                item.Tags = new() { [key] = secret, ["team"] = "search" };
                break;
            case 1:
                item.Tags = new() { ["note"] = TextForm(form, key, secret, before, after) };
                break;
            case 2:
                item.Metadata = new() { ["payload"] = Nest(new JsonObject { [key] = ValueForm(form, secret), ["other"] = "x" }, depth) };
                break;
            case 3:
                item.Metadata = new() { [key] = new JsonObject { ["inner"] = secret } };
                break;
            case 4:
                item.Tool = new ToolInfo { Name = "t", Arguments = Nest(new JsonObject { [key] = secret }, depth), Result = JsonValue.Create(Nest(new JsonObject { [key] = secret }, depth % 5).ToJsonString()) };
                break;
            case 5:
                item.PromptMessages = [new LlmMessage("user", TextForm(form, key, secret, before, after))];
                break;
            case 6:
                var arguments = Nest(new JsonObject { [key] = secret }, depth % 5).ToJsonString();
                item.CompletionMessage = new LlmMessage("assistant", null) { ToolCalls = [new LlmToolCall("c1", "f", arguments)] };
                break;
            default:
                // JSON in a string in JSON.
                var inner = new JsonObject { [key] = secret }.ToJsonString();
                item.Metadata = new() { ["wrapped"] = new JsonObject { ["json"] = inner } };
                item.Error = new ZespanError("e", TextForm(form, key, secret, before, after));
                break;
        }

        return item;
    }

    private static string TextForm(int form, string key, string secret, string before, string after)
    {
        // Text before the key ends with a separator, so the key is not glued to another word.
        var lead = before.Length == 0 || before[^1] is ' ' or '\n' or ',' or '{' or ';' ? before : before + " ";
        var tail = after.Length == 0 ? string.Empty : (form % 2 == 0 ? "\n" : ", ") + after;
        return form switch
        {
            0 => $"{lead}{key}: {secret}{tail}",
            1 => $"{lead}{key}={secret}{tail}",
            2 => $"{lead}\"{key}\": \"{secret}\"{tail}",
            3 => $"{lead}'{key}': '{secret}'{tail}",
            4 => $"{lead}{key} = {secret} and more words{tail}",
            5 => $"{lead}{{\"{key}\":\"{secret}\"}}{tail}",
            _ => $"{lead}{key}:{secret}",
        };
    }

    private static JsonNode ValueForm(int form, string secret) => form switch
    {
        0 => JsonValue.Create(secret),
        1 => new JsonArray(secret, 1),
        2 => new JsonObject { ["deep"] = new JsonObject { ["v"] = secret } },
        _ => JsonValue.Create(secret),
    };

    private static JsonNode Nest(JsonNode node, int depth)
    {
        for (var i = 0; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonObject { ["level"] = node } : new JsonArray(node);
        }

        return node;
    }

    /// <summary>Everything of the event that leaves the process and could carry the secret.</summary>
    private static string Text(ZespanEvent item)
    {
        var text = new StringBuilder();
        foreach (var (k, v) in item.Tags ?? [])
        {
            text.Append(k).Append('\n').Append(v).Append('\n');
        }

        foreach (var (k, v) in item.Metadata ?? [])
        {
            text.Append(k).Append('\n').Append(v?.ToJsonString(Relaxed)).Append('\n');
        }

        text.Append(item.Tool?.Arguments?.ToJsonString(Relaxed)).Append(item.Tool?.Result?.ToJsonString(Relaxed));
        foreach (var message in (item.PromptMessages ?? []).Append(item.CompletionMessage))
        {
            text.Append(message?.Content).Append('\n');
            foreach (var call in message?.ToolCalls ?? [])
            {
                text.Append(call.Arguments).Append('\n');
            }
        }

        return text.Append(item.Error?.Message).ToString();
    }

    private static string Capitalize(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    private static string Shorten(string text, string secret)
    {
        var at = text.IndexOf(secret, StringComparison.Ordinal);
        return text.Substring(Math.Max(0, at - 120), Math.Min(text.Length - Math.Max(0, at - 120), 240));
    }
}
