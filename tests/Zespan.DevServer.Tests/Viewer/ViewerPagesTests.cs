using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Zespan.DevServer.Tests.Viewer;

/// <summary>
/// The viewer's pages in a real headless Chromium against a server seeded through the SDK: timeline, dashboard,
/// sessions, users, prompts, search, OTLP exports; no page reaches outside the server and event text stays text.
/// </summary>
public class ViewerPagesTests(ViewerPagesFixture fixture, ITestOutputHelper output) : IClassFixture<ViewerPagesFixture>
{
    private DevServerHost Server => fixture.Server;

    private SeededData Seeded => fixture.Seeded;

    [Fact]
    public async Task Timeline_ShowsEverySpanWithWidthsProportionalToDurations_AndSelectionAndDeepLinksFollow()
    {
        var (context, page, _) = await OpenAsync("#/trace/" + Seeded.AgentTrace);
        await using var _ = context;
        var trace = await Server.GetJsonAsync($"api/traces/{Seeded.AgentTrace}");
        var spans = trace["spans"]!.AsArray().Select(static s => s!).ToList();
        var rows = page.Locator("#timeline .timeline-row");
        await Expect(rows).ToHaveCountAsync(spans.Count);
        await Expect(page.Locator("#span-tree .span-node")).ToHaveCountAsync(spans.Count);

        // each bar's width over its track is the span's share of the trace's duration
        var measured = await page.EvaluateAsync<double[][]>("""
            () => [...document.querySelectorAll('#timeline .timeline-row')].map(r => {
              const track = r.querySelector('.timeline-track').getBoundingClientRect();
              const bar = r.querySelector('.timeline-bar').getBoundingClientRect();
              return [(bar.left - track.left) / track.width, bar.width / track.width];
            })
            """);
        var total = Math.Max(trace["latency"]!.GetValue<double>(), spans.Max(static s => s["start_offset"]!.GetValue<double>() + s["latency"]!.GetValue<double>()));
        for (var i = 0; i < spans.Count; i++)
        {
            var expectedWidth = Math.Max(0.004, spans[i]["latency"]!.GetValue<double>() / total);
            var expectedLeft = spans[i]["start_offset"]!.GetValue<double>() / total;
            Assert.True(Math.Abs(measured[i][1] - expectedWidth) < 0.01, $"span {i} ({spans[i]["name"]}): width {measured[i][1]:0.0000}, expected {expectedWidth:0.0000}");
            Assert.True(Math.Abs(measured[i][0] - expectedLeft) < 0.01, $"span {i} ({spans[i]["name"]}): offset {measured[i][0]:0.0000}, expected {expectedLeft:0.0000}");
        }

        // the streamed generation marks its first token
        var generation = spans.Single(static s => (string?)s["log_type"] == "generation")["span_id"]!.GetValue<string>();
        await Expect(page.Locator($"#timeline .timeline-row[data-span-id='{generation}'] .ttft")).ToHaveCountAsync(1);

        // a row selected in the timeline is selected in the tree, and the address is its deep link
        var tool = spans.Single(static s => (string?)s["log_type"] == "tool")["span_id"]!.GetValue<string>();
        await page.Locator($"#timeline .timeline-row[data-span-id='{tool}']").ClickAsync();
        await Expect(page.Locator($"#span-tree .span-node[data-span-id='{tool}']")).ToHaveClassAsync(new Regex("selected"));
        await Expect(page.Locator("#span-detail")).ToContainTextAsync("Tool call · lookup_order");
        await Expect(page).ToHaveURLAsync(new Regex($"#/trace/{Seeded.AgentTrace}/span/{tool}$"));

        // and the other way round
        await page.Locator($"#span-tree .span-node[data-span-id='{generation}']").ClickAsync();
        await Expect(page.Locator($"#timeline .timeline-row[data-span-id='{generation}']")).ToHaveClassAsync(new Regex("selected"));
        await Expect(page.Locator($"#timeline .timeline-row.selected")).ToHaveCountAsync(1);
        await SaveScreenshotAsync(page, "viewer-timeline.png");

        // a deep link opens the trace with that span selected
        var deep = await context.NewPageAsync();
        await deep.GotoAsync(Server.ViewerUrl + $"#/trace/{Seeded.AgentTrace}/span/{tool}");
        await Expect(deep.Locator("#span-detail")).ToHaveAttributeAsync("data-span-id", tool);
        await Expect(deep.Locator($"#timeline .timeline-row[data-span-id='{tool}']")).ToHaveClassAsync(new Regex("selected"));

        // errors are red
        await deep.GotoAsync(Server.ViewerUrl + $"#/trace/{Seeded.BlockedTrace}");
        var failed = deep.Locator("#timeline .timeline-row.error .timeline-bar");
        await Expect(failed.First).ToBeVisibleAsync();
        Assert.Equal("rgb(201, 42, 42)", await failed.First.EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor"));
    }

    [Fact]
    public async Task Dashboard_ChartsRenderFromTheStatsEndpoints_AndTheBreakdownEqualsTheStoredEvents()
    {
        var (context, page, _) = await OpenAsync("#/dashboard");
        await using var _ = context;
        foreach (var chart in new[] { "calls", "tokens", "cost" })
        {
            await Expect(page.Locator($".chart[data-chart={chart}] rect.bar").First).ToBeAttachedAsync();
        }

        foreach (var chart in new[] { "latency", "errors" })
        {
            await Expect(page.Locator($".chart[data-chart={chart}] circle.dot").First).ToBeAttachedAsync();
        }

        // the chart holds what /api/stats/timeseries answers
        var timeseries = await Server.GetJsonAsync("api/stats/timeseries");
        var buckets = timeseries["buckets"]!.AsArray();
        var drawnCalls = await page.EvaluateAsync<double>("() => [...document.querySelectorAll('.chart[data-chart=calls] rect[data-series=calls]')].reduce((s, r) => s + Number(r.dataset.value || 0), 0)");
        Assert.Equal(buckets.Sum(static b => b!["calls"]!.GetValue<long>()), (long)drawnCalls);
        var drawnCost = await page.EvaluateAsync<double>("() => [...document.querySelectorAll('.chart[data-chart=cost] rect')].reduce((s, r) => s + Number(r.dataset.value || 0), 0)");
        Assert.Equal(buckets.Sum(static b => b!["cost"]?.GetValue<double>() ?? 0), drawnCost, 9);

        // the breakdown by model: every number equals the sums over the stored LLM-call events
        var calls = await StoredLlmCallsAsync();
        var rows = page.Locator("table.breakdown[data-by=model] tbody tr");
        var expected = calls.GroupBy(static e => (string?)e["model"] ?? string.Empty).ToList();
        await Expect(rows).ToHaveCountAsync(expected.Count);
        foreach (var group in expected)
        {
            var cells = page.Locator($"table.breakdown[data-by=model] tbody tr[data-key='{group.Key}'] td");
            Assert.Equal(group.Count(), Number(await cells.Nth(1).TextContentAsync()));
            Assert.Equal(group.Sum(static e => e["prompt_tokens"]?.GetValue<long>() ?? 0), Number(await cells.Nth(3).TextContentAsync()));
            Assert.Equal(group.Sum(static e => e["completion_tokens"]?.GetValue<long>() ?? 0), Number(await cells.Nth(4).TextContentAsync()));
            Assert.Equal(group.Count(static e => e["cost"] is null), Number(await cells.Nth(8).TextContentAsync()));
        }

        // unpriced calls are counted apart, never as $0
        var unpriced = calls.Count(static e => e["cost"] is null);
        Assert.True(unpriced >= 1);
        await Expect(page.Locator(".card[data-card=unpriced] .card-value")).ToHaveTextAsync(unpriced.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("table.breakdown[data-by=model] tbody tr[data-key='my-local-llama'] td").Nth(7)).ToHaveTextAsync("–");
        await Expect(page.Locator("table.breakdown[data-by=prompt] tbody tr")).ToHaveCountAsync(3); // v1, v2 and calls without a prompt
        await SaveScreenshotAsync(page, "viewer-dashboard.png");
    }

    [Fact]
    public async Task Sessions_ReplayTheConversationInOrder_WithToolsAndGuardrailBlocks_LinkingToTraces()
    {
        var (context, page, _) = await OpenAsync("#/sessions");
        await using var _ = context;
        await Expect(page.Locator("#session-rows tr")).ToHaveCountAsync(3); // session-a and session-b from the SDK, conv-1 from the OTLP export
        var row = page.Locator("#session-rows tr[data-session-id='session-a']");
        await Expect(row).ToContainTextAsync("ada");
        await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("3");
        await SaveScreenshotAsync(page, "viewer-sessions.png");

        await row.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("#/session/session-a$"));
        var turns = page.Locator("#turns .turn");
        await Expect(turns).ToHaveCountAsync(3);

        // in the order the traces started (the agent's generation was logged with its 900 ms latency, so its trace may start first)
        var starts = new List<(string Id, DateTimeOffset Start)>();
        foreach (var id in Seeded.SessionATraces)
        {
            starts.Add((id, DateTimeOffset.Parse((await Server.GetJsonAsync($"api/traces/{id}"))["start_time"]!.GetValue<string>(), CultureInfo.InvariantCulture)));
        }

        Assert.Equal(starts.OrderBy(static s => s.Start).Select(static s => s.Id), await turns.EvaluateAllAsync<string[]>("ts => ts.map(t => t.dataset.traceId)"));
        var chat = page.Locator($"#turns .turn[data-trace-id='{Seeded.FirstChatTrace}']");
        await Expect(chat.Locator(".step-prompt")).ToContainTextAsync("Where is order A-1001?");
        await Expect(chat.Locator(".step-completion")).ToContainTextAsync(Seeded.Hostile);
        var agent = page.Locator($"#turns .turn[data-trace-id='{Seeded.AgentTrace}']");
        await Expect(agent.Locator(".step[data-kind=tool]")).ToContainTextAsync("A-1001");
        await Expect(agent.Locator(".step[data-kind=generation] .step-completion")).ToHaveTextAsync("Yes: the parcel left the warehouse this morning.");
        await Expect(page.Locator($"#turns .turn[data-trace-id='{Seeded.BlockedTrace}'] .guardrail-block")).ToContainTextAsync("no-forbidden");
        await SaveScreenshotAsync(page, "viewer-session.png");

        await agent.Locator(".turn-head a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"#/trace/{Seeded.AgentTrace}$"));
        await Expect(page.Locator("#timeline .timeline-row").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Users_ListCallsTokensCostAndLastSeen()
    {
        var (context, page, _) = await OpenAsync("#/users");
        await using var _ = context;
        var users = (await Server.GetJsonAsync("api/users"))["data"]!.AsArray();
        await Expect(page.Locator("#user-rows tr")).ToHaveCountAsync(users.Count);
        var ada = page.Locator("#user-rows tr[data-user='ada'] td");
        await Expect(ada.Nth(1)).ToHaveTextAsync("3");
        var adaCalls = users.Single(static u => (string?)u!["id"] == "ada")!["llm_calls"]!.GetValue<long>();
        await Expect(ada.Nth(2)).ToHaveTextAsync(adaCalls.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#user-rows tr[data-user='bob'] td").Nth(5)).ToHaveTextAsync("1"); // the local model: unpriced
        await SaveScreenshotAsync(page, "viewer-users.png");

        await page.Locator("#user-rows tr[data-user='bob'] a").ClickAsync();
        await Expect(page.Locator("#trace-rows tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#filters input[name=user]")).ToHaveValueAsync("bob");
    }

    [Fact]
    public async Task Prompts_ShowEveryVersion_AndCompareTwoSideBySideWithTheirGenerations()
    {
        var (context, page, _) = await OpenAsync("#/prompts");
        await using var _ = context;
        await Expect(page.Locator("#prompt-names .span-node[data-prompt='support-reply']")).ToHaveCountAsync(1);
        var versions = page.Locator("#version-rows tr");
        await Expect(versions).ToHaveCountAsync(2);
        await Expect(page.Locator("#version-rows tr[data-version='1'] td").Nth(2)).ToHaveTextAsync("first draft");
        await Expect(page.Locator("#version-rows tr[data-version='1'] td").Nth(4)).ToHaveTextAsync("2");
        await Expect(page.Locator("#version-rows tr[data-version='2'] td").Nth(4)).ToHaveTextAsync("1");
        await Expect(page.Locator("#version-rows tr[data-version='1']")).ToContainTextAsync("production");

        var columns = page.Locator("#compare .compare-col");
        await Expect(columns).ToHaveCountAsync(2);
        await Expect(columns.Nth(0)).ToHaveAttributeAsync("data-version", "1");
        await Expect(columns.Nth(0).Locator(".prompt-text")).ToHaveTextAsync("Answer briefly: {{question}}");
        await Expect(columns.Nth(1).Locator(".prompt-text")).ToHaveTextAsync("Answer kindly and in full: {{question}}");
        await Expect(columns.Nth(1)).ToContainTextAsync("friendlier tone");
        await SaveScreenshotAsync(page, "viewer-prompts.png");

        // which generations used a version: its traces
        await columns.Nth(0).Locator("a").ClickAsync();
        await Expect(page.Locator("#trace-rows tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#filters input[name=prompt]")).ToHaveValueAsync("support-reply#1");
    }

    [Fact]
    public async Task Search_FindsAWordOfACompletion_AndFiltersNarrowTheList()
    {
        var (context, page, _) = await OpenAsync("#/");
        await using var _ = context;
        var rows = page.Locator("#trace-rows tr");
        var all = (await Server.GetJsonAsync("api/traces"))["total"]!.GetValue<int>();
        await Expect(rows).ToHaveCountAsync(all);

        await page.Locator("#filters input[name=q]").FillAsync("zebra");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("local.model");
        await page.Locator("#filters input[name=q]").FillAsync("warehouse morning");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-trace-id", Seeded.AgentTrace);
        await SaveScreenshotAsync(page, "viewer-search.png");
        await page.Locator("#filters input[name=q]").FillAsync(string.Empty);

        await page.Locator("#filters input[name=tag]").FillAsync("team=support");
        await Expect(rows).ToHaveCountAsync(3);
        await page.Locator("#filters input[name=tag]").FillAsync(string.Empty);
        await page.Locator("#filters select[name=log_type]").SelectOptionAsync("tool");
        await Expect(rows).ToHaveCountAsync(2); // the SDK's agent run and the OTLP export
        await page.Locator("#filters select[name=log_type]").SelectOptionAsync(string.Empty);
        await page.Locator("#filters input[name=provider]").FillAsync("anthropic");
        await Expect(rows).ToHaveCountAsync(3);
        await page.Locator("#filters input[name=provider]").FillAsync(string.Empty);
        await page.Locator("#filters input[name=meta]").FillAsync("service.name");
        await Expect(rows).ToHaveCountAsync(2); // the two OTLP exports
    }

    [Fact]
    public async Task OtlpExports_ProtobufAndJson_AppearAsGenerationsWithTokensAndCost()
    {
        var (context, page, _) = await OpenAsync("#/");
        await using var _ = context;
        var proto = page.Locator($"#trace-rows tr[data-trace-id='{fixture.OtlpProtobufTrace}']");
        await Expect(proto).ToContainTextAsync("gpt-4o-mini");
        await Expect(proto).ToContainTextAsync("1,500");
        await Expect(proto).ToContainTextAsync("$0.00036");
        var json = page.Locator($"#trace-rows tr[data-trace-id='{fixture.OtlpJsonTrace}']");
        await Expect(json).ToContainTextAsync("claude-haiku-4-5");
        await Expect(json).ToContainTextAsync("2,100");
        await Expect(json).ToContainTextAsync("$0.0025");

        await proto.ClickAsync();
        await Expect(page.Locator("#timeline .timeline-row")).ToHaveCountAsync(4);
        await page.Locator("#span-tree .span-node[data-log-type=generation]").ClickAsync();
        await Expect(page.Locator("#span-detail .completion-message .message-content")).ToHaveTextAsync("OTLP says " + SdkSeed.Hostile);
        await Expect(page.Locator("#span-detail")).ToContainTextAsync("1,200 in · 300 out");
        await Expect(page.Locator("#span-detail")).ToContainTextAsync("400 cached input");
        await Expect(page.Locator("#span-detail")).ToContainTextAsync("estimated");
        await SaveScreenshotAsync(page, "viewer-otlp-trace.png");
    }

    [Fact]
    public async Task EveryPage_MakesNoRequestOutsideTheServer_AndShowsEventTextAsText()
    {
        var (context, page, requests) = await OpenAsync("#/");
        await using var _ = context;
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        string[] pages =
        [
            "#/", "#/trace/" + Seeded.FirstChatTrace, "#/trace/" + fixture.OtlpProtobufTrace, "#/dashboard", "#/sessions", "#/session/session-a", "#/users", "#/prompts",
        ];
        foreach (var hash in pages)
        {
            await page.GotoAsync(Server.ViewerUrl + hash);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), $"script from an event ran on {hash}");
            Assert.Equal(0, await page.Locator("main img, main script").CountAsync());
        }

        // the first chat's completion echoes the hostile text: shown as characters on the trace page and in the replay
        await page.GotoAsync(Server.ViewerUrl + "#/trace/" + Seeded.FirstChatTrace);
        await page.Locator("#span-tree .span-node[data-log-type=generation]").ClickAsync();
        await Expect(page.Locator("#span-detail .completion-message .message-content")).ToContainTextAsync(Seeded.Hostile);
        await page.GotoAsync(Server.ViewerUrl + "#/session/session-a");
        await Expect(page.Locator($"#turns .turn[data-trace-id='{Seeded.FirstChatTrace}'] .step-completion")).ToContainTextAsync(Seeded.Hostile);

        Assert.Empty(dialogs);
        Assert.NotEmpty(requests);
        var origin = Server.BaseUrl.GetLeftPart(UriPartial.Authority);
        Assert.All(requests, url => Assert.True(url.StartsWith(origin, StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), $"a page requested {url}"));
    }

    private async Task<(IBrowserContext Context, IPage Page, List<string> Requests)> OpenAsync(string hash)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, Locale = "en-US" });
        var requests = new List<string>();
        context.Request += (_, request) =>
        {
            lock (requests)
            {
                requests.Add(request.Url);
            }
        };
        var page = await context.NewPageAsync();
        await page.GotoAsync(Server.ViewerUrl + hash);
        await page.EvaluateAsync("() => { document.querySelector('#filters [name=refresh]').checked = false; }"); // no re-render while a test clicks
        return (context, page, requests);
    }

    private async Task<List<JsonNode>> StoredLlmCallsAsync()
    {
        var result = new List<JsonNode>();
        foreach (var trace in (await Server.GetJsonAsync("api/traces?limit=200"))["data"]!.AsArray())
        {
            var detail = await Server.GetJsonAsync($"api/traces/{trace!["trace_id"]}");
            result.AddRange(detail["spans"]!.AsArray().Select(static s => s!["event"]!).Where(static e => (string?)e["log_type"] is "generation" or "response" or "embedding"));
        }

        return result;
    }

    private static long Number(string? text) => long.Parse((text ?? "0").Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"Screenshot: {path}");
    }
}
