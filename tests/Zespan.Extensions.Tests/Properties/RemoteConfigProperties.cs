using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.ModelOverrides.Internal;
using Zespan.Extensions.Redaction.Internal;

namespace Zespan.Extensions.Tests.Properties;

/// <summary>
/// Property-based tests of remote configuration documents: generated rule lists of every type (valid, invalid, of
/// the wrong shape, over their caps, with hostile strings), then byte-mutated. Parsing never throws; an accepted
/// configuration is within every cap and lays over the options, the redact keys and the model overrides without
/// throwing.
/// </summary>
public class RemoteConfigProperties
{
    private static readonly string[] Strings =
    [
        "gpt-4o", "gpt-4o-mini", "openai", "anthropic", "*", "", " ", "email", "phone", "api_key", "Customer-Email",
        "amazon.nova-lite-v1:0", "\\uD800", "a\\uDC00b", "\\u0000", "ünïcödé", "emoji 😀", "\\\"quoted\\\"", "line\\nbreak",
    ];

    private static readonly string[] Values = ["true", "false", "null", "0", "1", "0.25", "2", "-1", "1e400", "\"debug\"", "\"info\"", "[]", "{}", "[1,2]", "\"x\""];

    private static readonly string[] Types = ["model_override", "sample_rate", "guardrail_enable", "pii_redact_keys", "log_level", "disable_tracing", "model_price", "teleport", ""];

    private static Gen<string> Str { get; } = Gen.Frequency(
        (8, Gen.Int[0, Strings.Length - 1].Select(i => Strings[i])),
        (1, Gen.Int[250, 300].Select(n => new string('k', n))),
        (2, Gen.String[Gen.Char.AlphaNumeric, 1, 12]));

    private static Gen<string> JsonString { get; } = Str.Select(s => "\"" + s + "\"");

    private static Gen<string> AnyValue { get; } = Gen.Frequency(
        (3, JsonString),
        (2, Gen.Int[0, Values.Length - 1].Select(i => Values[i])),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0")));

    private static Gen<string> Rule { get; } = Gen.Select(Gen.Int[0, Types.Length - 1], Gen.Int[0, 5], JsonString, JsonString, JsonString, AnyValue, Gen.Int[0, 1100], Gen.Bool)
        .Select(t =>
        {
            var (type, shape, a, b, c, value, keyCount, wrongShape) = t;
            var name = Types[type];
            if (wrongShape && shape == 0)
            {
                return value; // not an object at all
            }

            var fields = new StringBuilder("{\"type\": \"").Append(name).Append('"');
            switch (name)
            {
                case "model_override":
                    fields.Append(", \"from\": ").Append(shape == 1 ? value : a).Append(", \"to\": ").Append(b);
                    if (shape > 2)
                    {
                        fields.Append(", \"provider\": ").Append(c);
                    }

                    break;
                case "pii_redact_keys":
                    fields.Append(", \"keys\": ");
                    if (wrongShape)
                    {
                        fields.Append(value);
                    }
                    else
                    {
                        fields.Append('[');
                        for (var i = 0; i < keyCount; i++)
                        {
                            fields.Append(i == 0 ? string.Empty : ",").Append(i % 7 == 3 ? value : "\"key" + (i % (shape + 1) == 0 ? i : i / 2) + "\"");
                        }

                        fields.Append(']');
                    }

                    break;
                case "guardrail_enable":
                    fields.Append(", \"provider\": ").Append(a).Append(", \"pre\": ").Append(value).Append(", \"fail_closed\": ").Append(shape > 2 ? "true" : value);
                    break;
                default:
                    fields.Append(", \"value\": ").Append(value);
                    break;
            }

            return fields.Append('}').ToString();
        });

    private static Gen<(string Document, int Mutation, int Seed)> Documents { get; } =
        Gen.Select(Rule.Array[0, 12], Gen.Int[0, 3], Gen.Int[0, 800], Gen.Int[-2, Mutations.Kinds - 1], Gen.Int, Gen.Long)
            .Select(t =>
            {
                var (rules, repeatIndex, repeats, mutation, seed, version) = t;
                var list = rules.ToList();
                if (list.Count > 0)
                {
                    // Now and then one rule many times over: lists near and over their caps.
                    list.AddRange(Enumerable.Repeat(list[repeatIndex % list.Count], repeats));
                }

                var document = "{\"version\": " + (version % 3 == 0 ? "\"seven\"" : version.ToString(CultureInfo.InvariantCulture)) + ", \"rules\": [" + string.Join(",", list) + "]}";
                return (document, mutation, seed);
            });

    [Fact]
    public void Parse_GeneratedDocuments_NeverThrowsAndAcceptedOnesAreWithinTheirCaps()
    {
        var outcomes = new int[3];
        var run = PropertyRunner.Check(Documents, c => outcomes[Property(c)]++, iterations: 1500, budget: TimeSpan.FromSeconds(6), print: d => d.Document.Length > 400 ? d.Document[..400] + "..." : d.Document);

        // The generator reaches every outcome: accepted, rejected over a cap, not a configuration.
        if (run >= 200)
        {
            Assert.All(outcomes, count => Assert.True(count > 0, $"outcomes accepted/rejected/unreadable: {string.Join("/", outcomes)}"));
        }
    }

    /// <returns>0 accepted, 1 rejected, 2 not a configuration.</returns>
    private static int Property((string Document, int Mutation, int Seed) c)
    {
        var bytes = Encoding.UTF8.GetBytes(c.Document);
        if (c.Mutation >= 0)
        {
            bytes = Mutations.Apply(c.Mutation, bytes, bytes, c.Seed);
        }

        var rejected = false;
        var snapshot = RemoteConfigParser.Parse(bytes, "\"etag\"", (_, _) => { }, _ => rejected = true);
        if (snapshot is null)
        {
            return rejected ? 1 : 2;
        }

        Assert.True(snapshot.RedactKeys.Count <= RemoteConfigParser.MaxRedactKeys);
        Assert.True(snapshot.ModelOverrides.Count <= RemoteConfigParser.MaxModelOverrides);
        Assert.True(snapshot.GuardrailRules.Count <= RemoteConfigParser.MaxGuardrailRules);
        Assert.Equal(snapshot.RedactKeys.Count, snapshot.RedactKeys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(snapshot.RedactKeys, k => Assert.InRange(k.Length, 1, RemoteConfigParser.MaxStringLength));
        Assert.All(snapshot.ModelOverrides, o => Assert.True(o.From.Length <= RemoteConfigParser.MaxStringLength && o.To.Length <= RemoteConfigParser.MaxStringLength));
        Assert.All(snapshot.GuardrailRules, r => Assert.True(r.IsRemote));
        Assert.True(snapshot.SampleRate is null or >= 0 and <= 1);

        // Laid over the options the way the monitor does it, then compiled and used.
        var store = new RemoteConfigStore();
        store.Update(snapshot);
        var options = new ZespanOptions();
        options.RedactKeys.Add("local_key");
        new RemoteConfigPostConfigure(store).PostConfigure(Options.DefaultName, options);
        Assert.NotNull(ZespanOptionsMonitor.Snapshot(options));
        var keys = RedactionKeySet.Create(options);
        Assert.True(keys.Matches("local_key"));
        Assert.True(keys.Matches("password"));
        foreach (var key in snapshot.RedactKeys.Take(20))
        {
            keys.Matches(key);
        }

        ModelOverrideRewriter.Resolve(options.ModelOverrides, "gpt-4o", "openai");
        Assert.False(store.Update(snapshot));
        return 0;
    }
}
