using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Zespan.DevServer.Tests.Viewer;

/// <summary>The trace viewer in a real headless Chromium: list, filters, span tree, and untrusted text rendered as text.</summary>
public class ViewerBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const string Hostile = "<script>window.__xss = 1; alert(1)</script><img src=x onerror=\"window.__xss = 2; alert(2)\">";

    [Fact]
    public async Task Viewer_ListAndSpanTree_ShowTheSeededTraces_AndRenderLlmOutputAsText()
    {
        await using var server = await DevServerHost.StartAsync();
        var agentTrace = await SeedAgentTraceAsync(server);
        var (plainTrace, plain) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddMinutes(-10), user: "bob", model: "claude-haiku-4-5");
        var (failedTrace, failed) = TestEvents.SimpleTrace(TestEvents.BaseTime.AddMinutes(-20), user: "carol", error: true);
        await server.IngestAsync(plain);
        await server.IngestAsync(failed);

        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        var failedRequests = new List<string>();
        page.RequestFailed += (_, request) => failedRequests.Add(request.Url);
        var errorResponses = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                errorResponses.Add($"{response.Status} {response.Url}");
            }
        };

        await page.GotoAsync(server.ViewerUrl.ToString());

        // the list: newest first, one row per trace, with user, model, tokens, cost, latency and status
        var rows = page.Locator("#trace-rows tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-trace-id", agentTrace);
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-trace-id", plainTrace);
        await Expect(rows.Nth(2)).ToHaveAttributeAsync("data-trace-id", failedTrace);
        var agentRow = rows.Nth(0);
        await Expect(agentRow).ToContainTextAsync("support-agent");
        await Expect(agentRow).ToContainTextAsync("ada");
        await Expect(agentRow).ToContainTextAsync("gpt-4o-mini");
        await Expect(agentRow).ToContainTextAsync("1,234");
        await Expect(agentRow).ToContainTextAsync("$0.0042");
        await Expect(agentRow).ToContainTextAsync("2.50 s");
        await Expect(rows.Nth(2).Locator(".pill")).ToHaveTextAsync("error");
        await Expect(page.Locator("#trace-count")).ToHaveTextAsync("3 traces");

        // filters narrow the list
        await page.Locator("#filters select[name=status]").SelectOptionAsync("error");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-trace-id", failedTrace);
        await page.Locator("#filters select[name=status]").SelectOptionAsync(string.Empty);
        await page.Locator("#filters input[name=user]").FillAsync("bob");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-trace-id", plainTrace);
        await page.Locator("#filters input[name=user]").FillAsync(string.Empty);
        await Expect(rows).ToHaveCountAsync(3);
        await SaveScreenshotAsync(page, "viewer-list.png");

        // click the agent trace: the span tree with a distinct badge per kind
        await rows.Nth(0).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/trace/{agentTrace}$"));
        var nodes = page.Locator("#span-tree .span-node");
        await Expect(nodes).ToHaveCountAsync(6);
        foreach (var kind in new[] { "agent", "plan", "tool", "handoff", "generation", "guardrail" })
        {
            await Expect(page.Locator($"#span-tree .span-node[data-log-type={kind}] .badge-{kind}")).ToHaveCountAsync(1);
        }

        await Expect(page.Locator("#span-tree > li > ul > li")).ToHaveCountAsync(5);
        await Expect(page.Locator("#trace-title")).ToHaveTextAsync("support-agent");

        // the generation span: messages, tags, eval scores; the hostile completion is plain text
        await page.Locator("#span-tree .span-node[data-log-type=generation]").ClickAsync();
        var detail = page.Locator("#span-detail");
        await Expect(detail.Locator(".completion-message .message-content")).ToHaveTextAsync(Hostile);
        await Expect(detail.Locator(".prompt-messages .message")).ToHaveCountAsync(2);
        await Expect(detail.Locator(".prompt-messages .message-role").Nth(1)).ToHaveTextAsync("user");
        await Expect(detail).ToContainTextAsync("relevance");
        await Expect(detail).ToContainTextAsync("team=support");
        await Expect(detail.Locator("meter")).ToHaveCountAsync(1);

        // the tool and the guardrail spans show their own sections
        await page.Locator("#span-tree .span-node[data-log-type=tool]").ClickAsync();
        await Expect(detail).ToContainTextAsync("Tool call · lookup_order");
        await Expect(detail).ToContainTextAsync("\"order_id\": \"A-1001\"");
        await page.Locator("#span-tree .span-node[data-log-type=guardrail]").ClickAsync();
        await Expect(detail.Locator("table.results tbody tr")).ToHaveCountAsync(1);
        await Expect(detail).ToContainTextAsync("[REDACTED:email]");
        await page.Locator("#span-tree .span-node[data-log-type=handoff]").ClickAsync();
        await Expect(detail).ToContainTextAsync("billing-agent");
        await page.Locator("#span-tree .span-node[data-log-type=generation]").ClickAsync();
        await Expect(detail.Locator(".completion-message .message-content")).ToHaveTextAsync(Hostile);

        Assert.Equal(0, await page.Locator("img").CountAsync());
        Assert.Equal(0, await page.Locator("#span-detail script").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "script from the LLM output ran");
        Assert.Empty(dialogs);
        Assert.Empty(failedRequests);
        Assert.Empty(errorResponses); // the favicon too
        await SaveScreenshotAsync(page, "viewer-trace.png");
    }

    [Fact]
    public async Task Viewer_WithConfiguredKey_NeedsKeyQueryParameter()
    {
        await using var server = await DevServerHost.StartAsync(o => o.ApiKeys.Add("zsp_viewer_key"));
        var (traceId, batch) = TestEvents.SimpleTrace(TestEvents.BaseTime);
        using (var client = server.CreateClient("zsp_viewer_key"))
        {
            using var response = await client.PostAsync("v1/ingest", DevServerHost.Json(batch));
            Assert.Equal(202, (int)response.StatusCode);
        }

        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(server.BaseUrl.ToString());
        await Expect(page.Locator("#status")).ToContainTextAsync("?key=");
        await Expect(page.Locator("#trace-rows tr")).ToHaveCountAsync(0);

        await page.GotoAsync(new Uri(server.BaseUrl, "?key=zsp_viewer_key").ToString());
        await Expect(page.Locator("#trace-rows tr")).ToHaveCountAsync(1);
        await page.Locator("#trace-rows tr").ClickAsync();
        await Expect(page.Locator("#span-tree .span-node")).ToHaveCountAsync(2);
        Assert.Contains("?key=zsp_viewer_key#/trace/" + traceId, page.Url, StringComparison.Ordinal);
    }

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"Screenshot: {path}");
        Console.WriteLine($"Viewer screenshot saved: {path}");
    }

    /// <summary>An agent trace: the agent with plan, tool, handoff, generation (hostile completion) and guardrail children.</summary>
    private static async Task<string> SeedAgentTraceAsync(DevServerHost server)
    {
        var traceId = TestEvents.TraceId();
        var agent = TestEvents.SpanId();
        var t = TestEvents.BaseTime;

        var agentEvent = TestEvents.Event(traceId, agent, null, "agent", "support-agent", t, 2.5);
        agentEvent["customer_identifier"] = "ada";
        agentEvent["agent"] = new JsonObject
        {
            ["name"] = "support-agent",
            ["role"] = "orchestrator",
            ["framework"] = "custom",
            ["tools"] = new JsonArray { new JsonObject { ["name"] = "lookup_order", ["description"] = "Finds an order" } },
        };

        var plan = TestEvents.Event(traceId, TestEvents.SpanId(), agent, "plan", "plan", t.AddMilliseconds(10), 0.01);
        plan["plan"] = new JsonArray { "look up the order", "answer the customer" };

        var tool = TestEvents.Event(traceId, TestEvents.SpanId(), agent, "tool", "lookup_order", t.AddMilliseconds(20), 0.2);
        tool["tool"] = new JsonObject
        {
            ["name"] = "lookup_order",
            ["arguments"] = new JsonObject { ["order_id"] = "A-1001" },
            ["result"] = new JsonObject { ["status"] = "shipped" },
        };

        var handoff = TestEvents.Event(traceId, TestEvents.SpanId(), agent, "handoff", "handoff", t.AddMilliseconds(300), 0.001);
        handoff["handoff"] = new JsonObject { ["from"] = "support-agent", ["to"] = "billing-agent", ["reason"] = "refund question" };

        var generation = TestEvents.Generation(traceId, TestEvents.SpanId(), agent, t.AddMilliseconds(400), "gpt-4o-mini",
            promptTokens: 1000, completionTokens: 234, cost: 0.0042, user: "ada", completion: Hostile);
        generation["tags"] = new JsonObject { ["team"] = "support" };
        generation["metadata"] = new JsonObject { ["note"] = Hostile };
        generation["eval_scores"] = new JsonObject { ["relevance"] = 0.92 };

        var guardrail = TestEvents.Event(traceId, TestEvents.SpanId(), agent, "guardrail", "guardrail.pre", t.AddMilliseconds(390), 0.005);
        guardrail["guardrail"] = new JsonObject
        {
            ["phase"] = "pre",
            ["passed"] = false,
            ["results"] = new JsonArray
            {
                new JsonObject
                {
                    ["policy"] = "pii",
                    ["passed"] = false,
                    ["action"] = "redact",
                    ["reason"] = "email address",
                    ["modified_text"] = "write to [REDACTED:email]",
                },
            },
        };

        await server.IngestAsync(TestEvents.Batch(agentEvent, plan, tool, handoff, guardrail, generation));
        return traceId;
    }
}
