using System.Net;
using System.Text.Json.Nodes;
using Zespan.DevServer.Guardrails;

namespace Zespan.DevServer.Tests.Guardrails;

public class GuardrailPolicyAdminTests
{
    [Fact]
    public async Task Policies_PutGetUpsertDelete_RoundTrip()
    {
        await using var server = await DevServerHost.StartAsync();

        await GuardrailCheckTests.SetPolicies(server, """
            [{"name":"pii","kind":"pii","action":"redact"},{"kind":"blocklist","words":["darn"]}]
            """);
        var all = await server.GetJsonAsync("admin/guardrails/policies");
        using var upsert = await server.PutJsonAsync("admin/guardrails/policies/pii", JsonNode.Parse("""{"kind":"pii","detectors":["email"],"action":"flag","phase":"post"}""")!);
        using var added = await server.PutJsonAsync("admin/guardrails/policies/keys", JsonNode.Parse("""{"kind":"regex","pattern":"sk-\\w+","ignore_case":true}""")!);
        var afterUpsert = await server.GetJsonAsync("admin/guardrails/policies");
        var one = await server.GetJsonAsync("admin/guardrails/policies/pii");
        using var deleteOne = await server.Client.DeleteAsync("admin/guardrails/policies/blocklist");
        using var deleteMissing = await server.Client.DeleteAsync("admin/guardrails/policies/blocklist");
        using var deleteAll = await server.Client.DeleteAsync("admin/guardrails/policies");
        var empty = await server.GetJsonAsync("admin/guardrails/policies");
        using var getMissing = await server.Client.GetAsync("admin/guardrails/policies/pii");

        var policies = all["policies"]!.AsArray();
        Assert.Equal(2, policies.Count);
        Assert.Equal("pii", policies[0]!["name"]!.GetValue<string>());
        Assert.Equal(["email", "credit_card", "phone"], policies[0]!["detectors"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal("both", policies[0]!["phase"]!.GetValue<string>());
        Assert.Equal("blocklist", policies[1]!["name"]!.GetValue<string>());
        Assert.Equal("block", policies[1]!["action"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, upsert.StatusCode);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(["pii", "blocklist", "keys"], afterUpsert["policies"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal("flag", one["action"]!.GetValue<string>());
        Assert.Equal("post", one["phase"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, deleteOne.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteMissing.StatusCode);
        Assert.Equal(2, JsonNode.Parse(await deleteAll.Content.ReadAsStringAsync())!["deleted"]!.GetValue<int>());
        Assert.Empty(empty["policies"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, getMissing.StatusCode);
    }

    [Fact]
    public async Task Policies_ChangeTakesEffectOnTheNextCheck()
    {
        await using var server = await DevServerHost.StartAsync();
        await GuardrailCheckTests.SetPolicies(server, """[{"name":"w","kind":"blocklist","words":["alpha"]}]""");
        var before = await GuardrailCheckTests.Check(server, GuardrailCheckTests.Pre("alpha beta"));

        await GuardrailCheckTests.SetPolicies(server, """[{"name":"w","kind":"blocklist","words":["gamma"]}]""");
        var after = await GuardrailCheckTests.Check(server, GuardrailCheckTests.Pre("alpha beta"));

        Assert.False(before["passed"]!.GetValue<bool>());
        Assert.True(after["passed"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""[{"kind":"magic"}]""", "kind")]
    [InlineData("""[{"kind":"regex","pattern":"(unclosed"}]""", "pattern")]
    [InlineData("""[{"kind":"regex"}]""", "pattern")]
    [InlineData("""[{"kind":"blocklist","words":[]}]""", "words")]
    [InlineData("""[{"kind":"pii","detectors":["ssn"]}]""", "ssn")]
    [InlineData("""[{"kind":"pii","action":"delete"}]""", "action")]
    [InlineData("""[{"kind":"pii","phase":"later"}]""", "phase")]
    [InlineData("""[{"kind":"pii"},{"kind":"pii"}]""", "twice")]
    public async Task Policies_Invalid_Answers400NamingTheProblemAndKeepsTheOldSet(string json, string expected)
    {
        await using var server = await DevServerHost.StartAsync();
        await GuardrailCheckTests.SetPolicies(server, """[{"name":"keep","kind":"pii"}]""");

        using var response = await server.PutJsonAsync("admin/guardrails/policies", JsonNode.Parse(json)!);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var policies = (await server.GetJsonAsync("admin/guardrails/policies"))["policies"]!.AsArray();
        Assert.Equal("keep", Assert.Single(policies)!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("378282246310005", true)]
    [InlineData("6011111111111117", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("1234567812345678", false)]
    [InlineData("0000000000", false)]
    public void PassesLuhn_KnownNumbers(string number, bool expected)
    {
        Assert.Equal(expected, PiiPatterns.PassesLuhn(number));
    }
}
