using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Api;

public class SessionTests
{
    [Fact]
    public async Task Sessions_ListAndReplay_TurnsInOrderWithPromptCompletionToolAndGuardrail()
    {
        await using var server = await DevServerHost.StartAsync();
        var t = TestEvents.BaseTime;
        var (second, secondBatch) = Turn(t.AddMinutes(5), "second question", "second answer");
        var (first, firstBatch) = Turn(t, "first question", "first answer");
        var tool = TestEvents.Event(second, TestEvents.SpanId(), null, "tool", "lookup_order", t.AddMinutes(5).AddSeconds(1));
        tool["thread_identifier"] = "s-1";
        tool["tool"] = new JsonObject { ["name"] = "lookup_order", ["arguments"] = new JsonObject { ["order_id"] = "A-1" }, ["result"] = "shipped" };
        var guardrail = TestEvents.Event(second, TestEvents.SpanId(), null, "guardrail", "guardrail.pre", t.AddMinutes(5).AddSeconds(2));
        guardrail["guardrail"] = new JsonObject { ["phase"] = "pre", ["passed"] = false, ["results"] = new JsonArray(new JsonObject { ["policy"] = "pii", ["passed"] = false, ["action"] = "block" }) };
        await server.IngestAsync(secondBatch);
        await server.IngestAsync(firstBatch);
        await server.IngestAsync(TestEvents.Batch(tool, guardrail));

        var list = await server.GetJsonAsync("api/sessions");
        var session = Assert.Single(list["data"]!.AsArray())!;
        Assert.Equal("s-1", session["id"]!.GetValue<string>());
        Assert.Equal("ada", session["user"]!.GetValue<string>());
        Assert.Equal(2, session["traces"]!.GetValue<long>());
        Assert.Equal(30, session["total_tokens"]!.GetValue<long>());

        var replay = await server.GetJsonAsync("api/sessions/s-1");
        var turns = replay["turns"]!.AsArray();
        Assert.Equal([first, second], turns.Select(static x => x!["trace_id"]!.GetValue<string>()));
        Assert.Equal("first question", turns[0]!["steps"]![0]!["prompt"]!.GetValue<string>());
        Assert.Equal("first answer", turns[0]!["steps"]![0]!["completion"]!.GetValue<string>());
        var steps = turns[1]!["steps"]!.AsArray();
        Assert.Equal(["generation", "tool", "guardrail"], steps.Select(static s => s!["kind"]!.GetValue<string>()));
        Assert.Equal("A-1", steps[1]!["arguments"]!["order_id"]!.GetValue<string>());
        Assert.False(steps[2]!["passed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Session_Unknown_Answers404()
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.Client.GetAsync("api/sessions/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Users_ListTracesCallsTokensCostAndLastSeen()
    {
        await using var server = await DevServerHost.StartAsync();
        await server.IngestAsync(TestEvents.SimpleTrace(TestEvents.BaseTime, user: "ada").Batch);
        await server.IngestAsync(TestEvents.SimpleTrace(TestEvents.BaseTime.AddHours(1), user: "ada").Batch);
        await server.IngestAsync(TestEvents.SimpleTrace(TestEvents.BaseTime.AddHours(2), user: "bob").Batch);

        var users = (await server.GetJsonAsync("api/users"))["data"]!.AsArray();

        Assert.Equal(["bob", "ada"], users.Select(static u => u!["id"]!.GetValue<string>()));
        var ada = users[1]!;
        Assert.Equal(2, ada["traces"]!.GetValue<long>());
        Assert.Equal(2, ada["llm_calls"]!.GetValue<long>());
        Assert.Equal(30, ada["total_tokens"]!.GetValue<long>());
        Assert.Equal(0.0002, ada["total_cost"]!.GetValue<double>(), 9);
        Assert.Equal("2026-11-22T00:00:01.000000Z", ada["last_time"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListTraces_FullTextSearchAndFacetFilters()
    {
        await using var server = await DevServerHost.StartAsync();
        var (zebra, zebraBatch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        zebraBatch["events"]![1]!["completion_message"]!["content"] = "The zebra-striped parcel is late.";
        zebraBatch["events"]![1]!["tags"] = new JsonObject { ["team"] = "billing" };
        zebraBatch["events"]![1]!["metadata"] = new JsonObject { ["ticket"] = 42 };
        var (plain, plainBatch) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddMinutes(1));
        await server.IngestAsync(zebraBatch);
        await server.IngestAsync(plainBatch);

        Assert.Equal([zebra], await Ids(server, "api/traces?q=zebra"));
        Assert.Equal([zebra], await Ids(server, "api/traces?q=ZEBRA%20parc")); // case-insensitive, prefixes
        Assert.Empty(await Ids(server, "api/traces?q=zebra%20giraffe"));
        Assert.Equal([plain, zebra], await Ids(server, "api/traces?q=order")); // the prompt: "Where is my order?"
        Assert.Equal([zebra], await Ids(server, "api/traces?q=%22)(*%20OR%20zebra")); // operators are words, not syntax
        Assert.Equal([zebra], await Ids(server, "api/traces?tag=team%3Dbilling"));
        Assert.Equal([zebra], await Ids(server, "api/traces?meta=ticket"));
        Assert.Equal([plain, zebra], await Ids(server, "api/traces?provider=openai&log_type=generation"));
        Assert.Empty(await Ids(server, "api/traces?log_type=tool"));
        Assert.Equal([plain, zebra], await Ids(server, "api/traces?environment=production"));
    }

    private static (string TraceId, JsonObject Batch) Turn(DateTimeOffset start, string question, string answer)
    {
        var (traceId, batch) = TestEvents.SimpleTrace(start, user: "ada");
        foreach (var e in batch["events"]!.AsArray())
        {
            e!["thread_identifier"] = "s-1";
        }

        batch["events"]![1]!["prompt_messages"]![1]!["content"] = question;
        batch["events"]![1]!["completion_message"]!["content"] = answer;
        return (traceId, batch);
    }

    private static async Task<string[]> Ids(DevServerHost server, string path) =>
        (await server.GetJsonAsync(path))["data"]!.AsArray().Select(static r => r!["trace_id"]!.GetValue<string>()).ToArray();
}
