using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Zespan.Extensions.Prompts.Internal;

namespace Zespan.Extensions.Tests.Prompts;

public class PromptCompilerTests
{
    private static string Compile(string template, Dictionary<string, object?> variables) =>
        PromptCompiler.CompileText(Text(template), variables);

    private static Prompt Text(string template) => new() { Name = "p", Version = 2, PromptType = PromptType.Text, Text = template };

    [Theory]
    [InlineData("Hi {{name}}!", "Hi Ada!")]
    [InlineData("Hi {{ name }}!", "Hi Ada!")]
    [InlineData("Hi {{   name\t}}!", "Hi Ada!")]
    [InlineData("{{name}}", "Ada")]
    [InlineData("{{name}}{{name}}", "AdaAda")]
    [InlineData("no variables", "no variables")]
    [InlineData("", "")]
    public void Compile_Placeholder_IsReplaced(string template, string expected)
    {
        Assert.Equal(expected, Compile(template, PromptTestData.Vars(("name", "Ada"))));
    }

    [Fact]
    public void Compile_RepeatedVariable_ReplacedEverywhere()
    {
        var text = Compile("{{a}}-{{ a }}-{{b}}-{{a}}", PromptTestData.Vars(("a", "x"), ("b", "y")));

        Assert.Equal("x-x-y-x", text);
    }

    [Fact]
    public void Compile_MissingVariables_ThrowsNamingEveryMissingOnce()
    {
        var ex = Assert.Throws<PromptCompilationException>(() =>
            Compile("{{customer_name}} {{order_id}} {{given}} {{ customer_name }} {{eta}}", PromptTestData.Vars(("given", 1))));

        Assert.Equal(["customer_name", "order_id", "eta"], ex.MissingVariables);
        Assert.Equal("p", ex.PromptName);
        Assert.Contains("customer_name, order_id, eta", ex.Message, StringComparison.Ordinal);
        Assert.Contains("version 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ExtraVariables_AreIgnored()
    {
        var text = Compile("Hi {{name}}", PromptTestData.Vars(("name", "Ada"), ("unused", "x"), ("also", null)));

        Assert.Equal("Hi Ada", text);
    }

    [Theory]
    [InlineData("""{"a": {"b": 1}}""")]
    [InlineData("{{}}")]
    [InlineData("{{ }}")]
    [InlineData("{{not a var}}")]
    [InlineData("{single}")]
    [InlineData("{{x}")]
    [InlineData("{{x")]
    [InlineData("}}{{")]
    [InlineData("{{1abc}}")]
    [InlineData("{{ x y }}")]
    [InlineData("{ {x} }")]
    [InlineData("{{\nx\n}}")]
    [InlineData("{{")]
    [InlineData("{")]
    public void Compile_BracesThatAreNotPlaceholders_KeptVerbatim(string template)
    {
        Assert.Equal(template, Compile(template, PromptTestData.Vars(("x", "X"), ("a", "A"))));
    }

    [Theory]
    [InlineData("{{{x}}}", "{X}")]
    [InlineData("{{{{x}}}}", "{{X}}")]
    [InlineData("{{x}}}", "X}")]
    [InlineData("""{"k": "{{x}}"}""", """{"k": "X"}""")]
    [InlineData("{{ {{x}} }}", "{{ X }}")]
    public void Compile_PlaceholderAmongOtherBraces_OnlyPlaceholderReplaced(string template, string expected)
    {
        Assert.Equal(expected, Compile(template, PromptTestData.Vars(("x", "X"))));
    }

    [Theory]
    [InlineData("{{user.name}}")]
    [InlineData("{{user-name}}")]
    [InlineData("{{_private}}")]
    [InlineData("{{n2}}")]
    public void Compile_NamesWithDotsDashesUnderscoresDigits_AreVariables(string template)
    {
        var name = template[2..^2];

        Assert.Equal("ok", Compile(template, PromptTestData.Vars((name, "ok"))));
    }

    [Fact]
    public void Compile_Unicode_TemplateNamesAndValuesPreserved()
    {
        var text = Compile("こんにちは {{名前}} 👋 {{ émoji }} — {{x}}", PromptTestData.Vars(("名前", "アダ"), ("émoji", "🎉👩‍💻"), ("x", "Ωμέγα")));

        Assert.Equal("こんにちは アダ 👋 🎉👩‍💻 — Ωμέγα", text);
    }

    [Fact]
    public void Compile_NullValue_BecomesEmpty()
    {
        Assert.Equal("[]", Compile("[{{x}}]", PromptTestData.Vars(("x", null))));
    }

    [Fact]
    public void Compile_Values_FormattedWithInvariantCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            var text = Compile(
                "{{d}} {{i}} {{m}} {{date}} {{b}} {{g}} {{o}}",
                PromptTestData.Vars(
                    ("d", 1234.5),
                    ("i", 1_000_000),
                    ("m", 0.1m),
                    ("date", new DateTime(2026, 11, 21, 23, 0, 0, DateTimeKind.Utc)),
                    ("b", true),
                    ("g", Guid.Empty),
                    ("o", new Uri("https://zespan.com/x"))));

            Assert.Equal("1234.5 1000000 0.1 11/21/2026 23:00:00 true 00000000-0000-0000-0000-000000000000 https://zespan.com/x", text);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Compile_ValueContainingPlaceholder_IsNotExpandedAgain()
    {
        Assert.Equal("{{b}} and 2", Compile("{{a}} and {{b}}", PromptTestData.Vars(("a", "{{b}}"), ("b", 2))));
    }

    [Fact]
    public void Compile_OtherDictionaryTypes_LookUpByName()
    {
        var prompt = Text("{{Name}} {{name}}");
        var readOnly = new ReadOnlyDictionary<string, object?>(new Dictionary<string, object?> { ["Name"] = "A", ["name"] = "b" });
        var ignoreCase = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["NAME"] = "c" };

        Assert.Equal("A b", PromptCompiler.CompileText(prompt, readOnly));
        Assert.Equal("c c", PromptCompiler.CompileText(prompt, ignoreCase));
    }

    [Fact]
    public void Compile_LongTemplate_GrowsBuffer()
    {
        var value = new string('v', 10_000);
        var template = new string('t', 5_000) + "{{x}}" + new string('u', 5_000);

        Assert.Equal(new string('t', 5_000) + value + new string('u', 5_000), Compile(template, PromptTestData.Vars(("x", value))));
    }

    [Fact]
    public void Compile_ChatPrompt_ThrowsArgumentException()
    {
        var chat = new Prompt { Name = "c", PromptType = PromptType.Chat, Messages = [new("user", "x")] };

        var ex = Assert.Throws<ArgumentException>(() => PromptCompiler.CompileText(chat, PromptTestData.Vars()));

        Assert.Contains("CompileChat", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompileChat_TextPrompt_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PromptCompiler.CompileChat(Text("x"), PromptTestData.Vars()));
    }

    [Fact]
    public void CompileChat_EveryMessage_CompiledAndRolesKept()
    {
        var chat = new Prompt
        {
            Name = "c",
            PromptType = PromptType.Chat,
            Messages = [new("system", "You help with {{product}}."), new("user", "{{ question }}"), new("assistant", "Sure, {{product}}!")],
        };

        var messages = PromptCompiler.CompileChat(chat, PromptTestData.Vars(("product", "Zespan"), ("question", "How?")));

        Assert.Equal([new PromptMessage("system", "You help with Zespan."), new PromptMessage("user", "How?"), new PromptMessage("assistant", "Sure, Zespan!")], messages);
        Assert.Equal("You help with {{product}}.", chat.Messages![0].Content);
    }

    [Fact]
    public void CompileChat_MissingAcrossMessages_NamesAllOnce()
    {
        var chat = new Prompt
        {
            Name = "c",
            PromptType = PromptType.Chat,
            Messages = [new("system", "{{a}} {{b}}"), new("user", "{{c}} {{a}}")],
        };

        var ex = Assert.Throws<PromptCompilationException>(() => PromptCompiler.CompileChat(chat, PromptTestData.Vars(("b", 1))));

        Assert.Equal(["a", "c"], ex.MissingVariables);
    }

    [Fact]
    public void Compile_RandomTemplates_MatchReferenceImplementation()
    {
        var random = new Random(20261121);
        string[] pieces = ["{{", "}}", "{", "}", " ", "\t", "a", "b", "ab", "_", "-", ".", "1", "ü", "x y", "{{a}}", "{{ b }}", "\n", "é"];
        var variables = PromptTestData.Vars(("a", "A"), ("b", "B"), ("ab", "AB"), ("a.b", "DOT"), ("_", "U"), ("ü", "UU"), ("a-", "DASH"));
        for (var run = 0; run < 2_000; run++)
        {
            var builder = new StringBuilder();
            var count = random.Next(0, 20);
            for (var i = 0; i < count; i++)
            {
                builder.Append(pieces[random.Next(pieces.Length)]);
            }

            var template = builder.ToString();
            var (expected, missing) = Reference(template, variables);
            if (missing.Count > 0)
            {
                var ex = Assert.Throws<PromptCompilationException>(() => Compile(template, variables));
                Assert.Equal(missing, ex.MissingVariables);
            }
            else
            {
                Assert.Equal(expected, Compile(template, variables));
            }
        }
    }

    /// <summary>The documented grammar as a regular expression, scanned left to right.</summary>
    private static (string Text, List<string> Missing) Reference(string template, Dictionary<string, object?> variables)
    {
        var missing = new List<string>();
        var regex = new Regex(@"\{\{[ \t]*([\p{L}_][\p{L}\p{Nd}\p{Nl}\p{No}_.\-]*)[ \t]*\}\}", RegexOptions.CultureInvariant);
        var text = regex.Replace(template, m =>
        {
            var name = m.Groups[1].Value;
            if (variables.TryGetValue(name, out var value))
            {
                return Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            }

            if (!missing.Contains(name))
            {
                missing.Add(name);
            }

            return string.Empty;
        });
        return (text, missing);
    }
}
