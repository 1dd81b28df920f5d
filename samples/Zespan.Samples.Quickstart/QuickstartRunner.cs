using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.DevServer;
using Zespan.Extensions;
using Zespan.Samples.WebApi;
using Zespan.Samples.WebApi.Controllers;

namespace Zespan.Samples.Quickstart;

/// <summary>One row of the quickstart's table: what the server recorded for one flow.</summary>
/// <param name="Flow">The flow (<c>chat</c>, <c>stream</c>, <c>agent</c>, ...).</param>
/// <param name="TraceId">The trace.</param>
/// <param name="User">The trace's user.</param>
/// <param name="Model">The first model of the trace.</param>
/// <param name="Tokens">Total tokens of its LLM calls.</param>
/// <param name="Cost">Total estimated cost in USD.</param>
/// <param name="Latency">From the first span's start to the last span's end.</param>
/// <param name="Status"><c>ok</c> or <c>error</c>.</param>
/// <param name="SpanCount">Spans in the trace.</param>
public sealed record QuickstartRow(string Flow, string TraceId, string? User, string? Model, long? Tokens, double? Cost, TimeSpan Latency, string Status, int SpanCount);

/// <summary>The outcome of a quickstart run.</summary>
/// <param name="ExitCode">0 when every step did what it should; 1 otherwise.</param>
/// <param name="Rows">The table, in flow order.</param>
/// <param name="ViewerUrl">The trace viewer, when the dev server started.</param>
/// <param name="Failure">What went wrong, when something did.</param>
public sealed record QuickstartResult(int ExitCode, IReadOnlyList<QuickstartRow> Rows, Uri? ViewerUrl, string? Failure);

/// <summary>
/// The quickstart: starts the dev server and the WebApi sample in this process, seeds a prompt and guardrail
/// policies, drives the sample's flows over HTTP, flushes, and prints what the server recorded.
/// </summary>
public static class QuickstartRunner
{
    /// <summary>The text of the <c>support-reply</c> prompt the quickstart seeds.</summary>
    public const string SeededPromptText = "You are the support assistant of {{product}}. Greet {{user}} by name and answer in two sentences at most.";

    private const string SampledOutUser = "dave";

    /// <summary>Runs the quickstart.</summary>
    /// <param name="options">Where the database goes, which port, whether to keep running.</param>
    /// <param name="output">Where the report goes.</param>
    /// <param name="cancellationToken">Stops the run; with <see cref="QuickstartOptions.KeepRunning"/>, ends the wait.</param>
    /// <returns>The exit code and the table.</returns>
    public static async Task<QuickstartResult> RunAsync(QuickstartOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);

        WebApplication? devServer = null;
        WebApplication? webApi = null;
        Uri? viewer = null;
        var rows = new List<QuickstartRow>();
        try
        {
            output.WriteLine("Zespan quickstart: the dev server, the WebApi sample and the SDK, in one process, offline.");
            output.WriteLine();

            // 1. The dev server: the Zespan API, the SQLite file, the trace viewer and the mock LLMs.
            (devServer, var devUrl) = await StartDevServerAsync(options, output);
            viewer = devUrl;
            var apiKey = DevServerApp.GetApiKey(devServer); // made up by the dev server for this run
            using var server = new HttpClient { BaseAddress = devUrl, Timeout = TimeSpan.FromSeconds(30) };
            server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            output.WriteLine($"1. Dev server      {devUrl}  (database {Path.GetFullPath(options.DatabasePath)})");

            // 2. Seed guardrail policies and a clean remote configuration through the admin API.
            await PutAsync(server, "admin/config?environment=production", new JsonObject { ["rules"] = new JsonArray() }, cancellationToken);
            await PutAsync(server, "admin/guardrails/policies/no-forbidden", new JsonObject
            {
                ["kind"] = "blocklist", ["words"] = new JsonArray("forbidden"), ["action"] = "block", ["phase"] = "both",
            }, cancellationToken);
            await PutAsync(server, "admin/guardrails/policies/pii-email", new JsonObject
            {
                ["kind"] = "pii", ["detectors"] = new JsonArray("email"), ["action"] = "redact", ["phase"] = "both",
            }, cancellationToken);
            output.WriteLine("2. Guardrails      no-forbidden (blocklist 'forbidden' -> block), pii-email (email -> redact); remote config cleared");

            // 3. The WebApi sample, built with configuration that points it at this dev server.
            webApi = BuildWebApi(devUrl, apiKey, options.HostLogLevel);
            var (prompt, created) = await SeedPromptAsync(webApi.Services.GetRequiredService<IPromptClient>(), cancellationToken);
            output.WriteLine(created
                ? $"3. Prompt          {prompt.Name} v{prompt.Version} (label production), created through IPromptClient.CreateAsync"
                : $"3. Prompt          {prompt.Name} v{prompt.Version} (label production), seeded by an earlier run");
            await webApi.StartAsync(cancellationToken);
            var apiUrl = ListeningUrl(webApi);
            using var api = new HttpClient { BaseAddress = apiUrl, Timeout = TimeSpan.FromSeconds(30) };
            output.WriteLine($"4. WebApi sample   {apiUrl}  (Zespan:BaseUrl={devUrl.ToString().TrimEnd('/')}, OpenAI:Endpoint={devUrl}mock/openai/v1)");
            output.WriteLine();

            // 4. The flows.
            var runStart = DateTimeOffset.UtcNow;
            var flows = new List<Flow>();
            output.WriteLine("Flows:");

            var chat = await PostAsync(api, "chat", "support/chat", "Hello! How do I reset my password?", "alice", "session-1", cancellationToken);
            Expect(chat.Status == HttpStatusCode.OK, "chat", $"POST /support/chat answered {(int)chat.Status}: {chat.Body}");
            var chatReply = JsonNode.Parse(chat.Body)!;
            Expect((int?)chatReply["promptVersion"] == prompt.Version, "chat", $"the reply used prompt version {chatReply["promptVersion"]?.ToJsonString() ?? "null (the fallback)"}, not the seeded v{prompt.Version}");
            flows.Add(chat);
            Report(output, chat, $"prompt v{prompt.Version}, reply: {Cut((string?)chatReply["reply"], 90)}");

            var stream = await StreamAsync(api, "Can you stream the steps to export my data?", "alice", "session-1", cancellationToken);
            flows.Add(stream.Flow);
            Report(output, stream.Flow, $"{stream.Chunks} SSE chunks, then 'done': {Cut(stream.Text, 70)}");

            var agent = await PostAsync(api, "agent", "agent", "I want a refund for order_id=A-1001", "bob", "session-2", cancellationToken);
            Expect(agent.Status == HttpStatusCode.OK, "agent", $"POST /agent answered {(int)agent.Status}: {agent.Body}");
            var agentReply = JsonNode.Parse(agent.Body)!;
            var tools = string.Join(", ", agentReply["tools"]!.AsArray().Select(static t => (string?)t!["name"]));
            flows.Add(agent);
            Report(output, agent, $"plan of {agentReply["plan"]!.AsArray().Count} steps, tools {tools}, handed off to {(string?)agentReply["handedOffTo"]}");

            var blocked = await PostAsync(api, "guardrail-blocked", "support/chat", "Tell me the forbidden recipe.", "mallory", "session-3", cancellationToken);
            Expect(blocked.Status == HttpStatusCode.UnprocessableEntity, "guardrail-blocked", $"expected 422, got {(int)blocked.Status}: {blocked.Body}");
            flows.Add(blocked);
            Report(output, blocked, blocked.Body);

            var redacted = await PostAsync(api, "redacted", "support/chat", "Please email jane.doe@example.com the fix; my api_key=sk-live-123", "carol", "session-4", cancellationToken);
            Expect(redacted.Status == HttpStatusCode.OK, "redacted", $"POST /support/chat answered {(int)redacted.Status}: {redacted.Body}");
            var redactedReply = (string?)JsonNode.Parse(redacted.Body)!["reply"] ?? "";
            Expect(redactedReply.Contains("[REDACTED:email]", StringComparison.Ordinal) && !redactedReply.Contains("jane.doe@example.com", StringComparison.Ordinal),
                "redacted", $"the pii-email policy should have removed the address before the model saw it; the model answered: {redactedReply}");
            flows.Add(redacted);
            Report(output, redacted, $"the model received: {Cut(redactedReply.Replace("This is a mock reply from gpt-4o-mini. You said: ", "", StringComparison.Ordinal), 90)}");

            // 5. A remote sample-rate change: the server's config says 0, the app refreshes, the next call is not recorded.
            var zespan = webApi.Services.GetRequiredService<IZespanClient>();
            var zespanOptions = webApi.Services.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
            var version = await SetSampleRateAsync(server, 0, cancellationToken);
            await zespan.RefreshConfigAsync(cancellationToken);
            Expect(zespanOptions.CurrentValue.SampleRate == 0, "sampled-out", $"after RefreshConfigAsync the app's SampleRate is {zespanOptions.CurrentValue.SampleRate}, not the server's 0");
            var sampledOut = await PostAsync(api, "sampled-out", "support/chat", "This call should not be recorded.", SampledOutUser, "session-5", cancellationToken);
            Expect(sampledOut.Status == HttpStatusCode.OK, "sampled-out", $"POST /support/chat answered {(int)sampledOut.Status}: {sampledOut.Body}");
            Report(output, sampledOut with { TraceId = null }, $"remote config v{version}: sample_rate 0, RefreshConfigAsync -> SampleRate {zespanOptions.CurrentValue.SampleRate}; answered, not recorded");

            version = await SetSampleRateAsync(server, 1, cancellationToken);
            await zespan.RefreshConfigAsync(cancellationToken);
            Expect(zespanOptions.CurrentValue.SampleRate == 1, "sampled-in", $"after RefreshConfigAsync the app's SampleRate is {zespanOptions.CurrentValue.SampleRate}, not the server's 1");
            var sampledIn = await PostAsync(api, "sampled-in", "support/chat", "Sampling is back on.", "erin", "session-6", cancellationToken);
            Expect(sampledIn.Status == HttpStatusCode.OK, "sampled-in", $"POST /support/chat answered {(int)sampledIn.Status}: {sampledIn.Body}");
            flows.Add(sampledIn);
            Report(output, sampledIn, $"remote config v{version}: sample_rate 1, RefreshConfigAsync -> SampleRate {zespanOptions.CurrentValue.SampleRate}; recorded again");

            // 6. Flush: everything queued is delivered before we read it back.
            var flushed = await zespan.FlushAsync(cancellationToken);
            output.WriteLine();
            output.WriteLine($"Flush: IZespanClient.FlushAsync() returned {(flushed ? "true" : "false")}");
            Expect(flushed, "flush", "FlushAsync returned false: the events did not reach the dev server");

            // 7. Read back what the server stored, through its read API.
            rows.AddRange(await ReadTableAsync(server, flows, runStart, cancellationToken));
            output.WriteLine();
            output.WriteLine("Recorded by the server (GET /api/traces):");
            WriteTable(output, rows);
            output.WriteLine();

            await VerifyAsync(server, flows, runStart, output, cancellationToken);
            output.WriteLine();
            var viewerUrl = DevServerApp.GetViewerUrl(devServer);
            output.WriteLine($"Trace viewer: {viewerUrl}");
            output.WriteLine($"  the agent run: {viewerUrl}#/trace/{agent.TraceId}");

            if (options.KeepRunning)
            {
                output.WriteLine();
                output.WriteLine($"Keeping the dev server ({devUrl}) and the WebApi sample ({apiUrl}) up. Press Ctrl+C (or send SIGTERM) to stop.");
                await output.FlushAsync(CancellationToken.None);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // the end of a kept-running run (Program.cs says why: SIGTERM, SIGINT, the parent process ended)
                }
            }

            return new QuickstartResult(0, rows, viewer, null);
        }
        catch (QuickstartFailure failure)
        {
            output.WriteLine();
            output.WriteLine($"FAILED at '{failure.Step}': {failure.Message}");
            return new QuickstartResult(1, rows, viewer, $"{failure.Step}: {failure.Message}");
        }
        catch (DevServerStartupException e)
        {
            output.WriteLine($"FAILED: the dev server did not start: {e.Message}");
            return new QuickstartResult(1, rows, viewer, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or InvalidOperationException or OptionsValidationException or ZespanApiException)
        {
            output.WriteLine();
            output.WriteLine($"FAILED: {e.GetType().Name}: {e.Message}");
            return new QuickstartResult(1, rows, viewer, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine("Cancelled.");
            return new QuickstartResult(1, rows, viewer, "cancelled");
        }
        finally
        {
            if (webApi is not null)
            {
                await webApi.StopAsync(CancellationToken.None); // drains the SDK's queue into the dev server
                await webApi.DisposeAsync();
            }

            if (devServer is not null)
            {
                await devServer.StopAsync(CancellationToken.None);
                await devServer.DisposeAsync();
            }
        }
    }

    private static async Task<(WebApplication App, Uri Url)> StartDevServerAsync(QuickstartOptions options, TextWriter output)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        if (options.Port is { } port)
        {
            var app = await StartDevServerAsync(options, port, quietBindFailure: false);
            return (app, ListeningUrl(app));
        }

        try
        {
            var app = await StartDevServerAsync(options, QuickstartOptions.DefaultPort, quietBindFailure: true);
            return (app, ListeningUrl(app));
        }
        catch (IOException)
        {
            output.WriteLine($"   (port {QuickstartOptions.DefaultPort} is in use: taking a free port)");
            var app = await StartDevServerAsync(options, 0, quietBindFailure: false);
            return (app, ListeningUrl(app));
        }
    }

    private static async Task<WebApplication> StartDevServerAsync(QuickstartOptions options, int port, bool quietBindFailure)
    {
        var level = options.HostLogLevel;
        var serverOptions = new DevServerOptions
        {
            DatabasePath = options.DatabasePath,
            ConfigureLogging = logging =>
            {
                logging.SetMinimumLevel(level);
                if (quietBindFailure)
                {
                    // A taken default port is expected and handled: no "Hosting failed to start" stack trace.
                    logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
                }
            },
        };
        serverOptions.Urls.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        var app = DevServerApp.Build(serverOptions);
        try
        {
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static WebApplication BuildWebApi(Uri devUrl, string apiKey, LogLevel level)
    {
        var levelName = level.ToString();
        return SampleApp.Build(
            ["--urls", "http://127.0.0.1:0", "--contentRoot", AppContext.BaseDirectory],
            configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Zespan:BaseUrl"] = devUrl.ToString().TrimEnd('/'),
                ["Zespan:ApiKey"] = apiKey,
                ["OpenAI:Endpoint"] = new Uri(devUrl, "mock/openai/v1").ToString(),
                ["Logging:LogLevel:Default"] = levelName,
                ["Logging:LogLevel:Microsoft.AspNetCore"] = levelName,
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = levelName,
            }));
    }

    private static async Task<(Prompt Prompt, bool Created)> SeedPromptAsync(IPromptClient prompts, CancellationToken cancellationToken)
    {
        // Reuse the production version when an earlier run already seeded this text (the database outlives runs).
        var current = await prompts.ListAsync(name: SupportController.PromptName, label: SupportController.PromptLabel, limit: 1, cancellationToken: cancellationToken);
        if (current.Data is [var existing, ..] && existing.Text == SeededPromptText)
        {
            return (existing, false);
        }

        var created = await prompts.CreateAsync(new CreatePromptRequest
        {
            Name = SupportController.PromptName,
            PromptType = PromptType.Text,
            Text = SeededPromptText,
            Labels = [SupportController.PromptLabel],
            CommitMessage = "seeded by the quickstart",
        }, cancellationToken);
        prompts.ClearCache();
        return (created, true);
    }

    private static async Task<int> SetSampleRateAsync(HttpClient server, double rate, CancellationToken cancellationToken)
    {
        var answer = await PutAsync(server, "admin/config?environment=production", new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject { ["type"] = "sample_rate", ["value"] = rate }),
        }, cancellationToken);
        return (int?)answer["version"] ?? 0;
    }

    private static async Task<JsonNode> PutAsync(HttpClient server, string path, JsonNode body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await server.PutAsync(path, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new QuickstartFailure("seed", $"PUT /{path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!;
    }

    private static async Task<Flow> PostAsync(HttpClient api, string name, string path, string message, string user, string session, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { message }) };
        request.Headers.Add(SampleHeaders.UserId, user);
        request.Headers.Add(SampleHeaders.SessionId, session);
        using var response = await api.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new Flow(name, path, user, response.StatusCode, TraceIdOf(response), body);
    }

    private static async Task<(Flow Flow, int Chunks, string Text)> StreamAsync(HttpClient api, string message, string user, string session, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "support/stream") { Content = JsonContent.Create(new { message }) };
        request.Headers.Add(SampleHeaders.UserId, user);
        request.Headers.Add(SampleHeaders.SessionId, session);
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            throw new QuickstartFailure("stream", $"POST /support/stream answered {(int)response.StatusCode} {response.Content.Headers.ContentType}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var text = new StringBuilder();
        var chunks = 0;
        var done = false;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body);
        string? eventName = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonNode.Parse(line["data: ".Length..])!;
                if (eventName == "done")
                {
                    done = true;
                }
                else
                {
                    chunks++;
                    text.Append((string?)data["text"]);
                }
            }
            else if (line.Length == 0)
            {
                eventName = null;
            }
        }

        if (chunks < 2 || !done)
        {
            throw new QuickstartFailure("stream", $"expected several chunks and a 'done' event, got {chunks} chunk(s), done={done}");
        }

        return (new Flow("stream", "support/stream", user, response.StatusCode, TraceIdOf(response), text.ToString()), chunks, text.ToString());
    }

    private static async Task<List<QuickstartRow>> ReadTableAsync(HttpClient server, List<Flow> flows, DateTimeOffset runStart, CancellationToken cancellationToken)
    {
        var list = await GetAsync(server, $"api/traces?from={Uri.EscapeDataString(runStart.ToString("O", CultureInfo.InvariantCulture))}&limit=200", cancellationToken);
        var byTrace = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var row in list["data"]!.AsArray())
        {
            byTrace[(string)row!["trace_id"]!] = row;
        }

        var rows = new List<QuickstartRow>();
        foreach (var flow in flows)
        {
            if (flow.TraceId is null || !byTrace.TryGetValue(flow.TraceId, out var row))
            {
                throw new QuickstartFailure(flow.Name, $"the server has no trace {flow.TraceId ?? "(no X-Zespan-Trace-Id header)"} for this flow");
            }

            rows.Add(new QuickstartRow(
                flow.Name,
                flow.TraceId,
                (string?)row["user"],
                (string?)row["model"],
                (long?)row["total_tokens"],
                (double?)row["total_cost"],
                TimeSpan.FromSeconds((double?)row["latency"] ?? 0),
                (string?)row["status"] ?? "?",
                (int?)row["span_count"] ?? 0));
        }

        var unexpected = byTrace.Keys.Where(id => flows.All(f => f.TraceId != id)).ToArray();
        if (unexpected.Length > 0)
        {
            throw new QuickstartFailure("read", $"the server recorded trace(s) no flow made since the run started: {string.Join(", ", unexpected)} (the sampled-out call?)");
        }

        return rows;
    }

    private static async Task VerifyAsync(HttpClient server, List<Flow> flows, DateTimeOffset runStart, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine("Checks:");
        var traces = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var flow in flows)
        {
            traces[flow.Name] = await GetAsync(server, $"api/traces/{flow.TraceId}", cancellationToken);
        }

        foreach (var flow in flows)
        {
            var user = (string?)traces[flow.Name]["user"];
            Expect(user == flow.User, flow.Name, $"the trace's user is '{user}', not '{flow.User}' (X-User-Id -> development sign-in -> AddAspNetCore -> customer_identifier)");
        }

        Check(output, "every trace carries the user of its request (X-User-Id -> sign-in -> AddAspNetCore)");

        var chatTypes = LogTypes(traces["chat"]);
        Expect(chatTypes.Contains("workflow") && chatTypes.Contains("generation") && chatTypes.Contains("guardrail"), "chat", $"expected workflow, generation and guardrail spans, got {string.Join(", ", chatTypes)}");
        var chatGeneration = Events(traces["chat"]).First(e => (string?)e["log_type"] == "generation");
        Expect((string?)chatGeneration["thread_identifier"] == "session-1", "chat", "the generation should carry the session (X-Session-Id -> thread_identifier)");
        Expect((long?)chatGeneration["total_tokens"] > 0 && (double?)chatGeneration["cost"] > 0, "chat", "the generation should have tokens and a cost");
        Check(output, "chat: a workflow span around the generation, with session, tokens and cost");

        var streamGeneration = Events(traces["stream"]).FirstOrDefault(e => (string?)e["log_type"] == "generation");
        Expect(streamGeneration is not null && (bool?)streamGeneration["stream"] == true && (long?)streamGeneration["completion_tokens"] > 0,
            "stream", "expected a generation with stream: true and the usage of the last chunk");
        Check(output, "stream: the generation is marked stream: true, with usage from the last chunk");

        var agentTypes = LogTypes(traces["agent"]);
        foreach (var (type, count) in new[] { ("agent", 2), ("plan", 1), ("tool", 2), ("handoff", 1), ("generation", 2) })
        {
            Expect(agentTypes.Count(t => t == type) == count, "agent", $"expected {count} {type} span(s), got: {string.Join(", ", agentTypes)}");
        }

        Check(output, "agent: 2 agents, a plan, 2 tools, a handoff and 2 generations in one tree");

        var blockedTrace = traces["guardrail-blocked"];
        Expect((string?)blockedTrace["status"] == "error", "guardrail-blocked", "the blocked trace should have status error");
        var blockedGuardrail = Events(blockedTrace).FirstOrDefault(e => (string?)e["log_type"] == "guardrail");
        Expect(blockedGuardrail is not null, "guardrail-blocked", "expected a guardrail span");
        var blockedGeneration = Events(blockedTrace).FirstOrDefault(e => (string?)e["log_type"] == "generation");
        Expect(blockedGeneration is not null && (string?)blockedGeneration["error"]?["type"] == "guardrail_blocked" && blockedGeneration["total_tokens"] is null,
            "guardrail-blocked", "a call blocked before sending should be a generation with a guardrail_blocked error and no tokens");
        Check(output, "guardrail-blocked: 422 to the client, the guardrail span recorded, nothing sent to the model");

        var redactedJson = traces["redacted"].ToJsonString();
        Expect(!redactedJson.Contains("sk-live-123", StringComparison.Ordinal), "redacted", "the secret sk-live-123 reached the server");
        Expect(redactedJson.Contains("api_key=[REDACTED]", StringComparison.Ordinal), "redacted", "expected api_key=[REDACTED] in the stored messages");
        var redactedCompletion = Events(traces["redacted"]).First(e => (string?)e["log_type"] == "generation")["completion_message"]?.ToJsonString() ?? "";
        Expect(redactedCompletion.Contains("[REDACTED:email]", StringComparison.Ordinal), "redacted", "expected the completion to show the email redacted by the pii-email policy");
        Check(output, "redacted: api_key=sk-live-123 is stored as api_key=[REDACTED]; the email never reached the model ([REDACTED:email])");

        var sampledOut = await GetAsync(server, $"api/traces?user={SampledOutUser}&from={Uri.EscapeDataString(runStart.ToString("O", CultureInfo.InvariantCulture))}", cancellationToken);
        Expect((int?)sampledOut["total"] == 0, "sampled-out", $"the call made with sample_rate 0 was recorded ({sampledOut["total"]} trace(s) of user {SampledOutUser})");
        Check(output, "sampled-out: the call made while the server's sample_rate was 0 is not recorded");
        Check(output, "sampled-in: after sample_rate went back to 1, calls are recorded again");
    }

    private static IEnumerable<JsonNode> Events(JsonNode trace)
    {
        // the server answers the spans flat, depth first
        foreach (var span in trace["spans"]!.AsArray())
        {
            yield return span!["event"]!;
        }
    }

    private static List<string> LogTypes(JsonNode trace) => Events(trace).Select(static e => (string?)e["log_type"] ?? "?").ToList();

    private static async Task<JsonNode> GetAsync(HttpClient server, string path, CancellationToken cancellationToken)
    {
        using var response = await server.GetAsync(path, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new QuickstartFailure("read", $"GET /{path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!;
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<QuickstartRow> rows)
    {
        string[] header = ["flow", "trace", "user", "model", "tokens", "cost", "latency", "status", "spans"];
        var cells = rows.Select(static r => new[]
        {
            r.Flow,
            r.TraceId,
            r.User ?? "-",
            r.Model ?? "-",
            r.Tokens?.ToString(CultureInfo.InvariantCulture) ?? "-",
            r.Cost is { } c ? "$" + c.ToString("0.000000", CultureInfo.InvariantCulture) : "-",
            ((int)Math.Round(r.Latency.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms",
            r.Status,
            r.SpanCount.ToString(CultureInfo.InvariantCulture),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(row => row[i].Length))).ToArray();
        var rightAligned = new[] { false, false, false, false, true, true, true, false, true };

        void Line(string[] values) => output.WriteLine("  " + string.Join("  ", values.Select((v, i) => rightAligned[i] ? v.PadLeft(widths[i]) : v.PadRight(widths[i]))).TrimEnd());

        Line(header);
        Line(widths.Select(static w => new string('-', w)).ToArray());
        foreach (var row in cells)
        {
            Line(row);
        }
    }

    private static void Report(TextWriter output, Flow flow, string summary) =>
        output.WriteLine($"  {flow.Name,-18} {(int)flow.Status} {flow.Method} /{flow.Path,-15} {summary}");

    private static void Check(TextWriter output, string text) => output.WriteLine("  ok  " + text);

    private static void Expect(bool condition, string step, string message)
    {
        if (!condition)
        {
            throw new QuickstartFailure(step, message);
        }
    }

    private static string Cut(string? text, int length = 60) =>
        text is null ? "" : text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 3), "...");

    private static string? TraceIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(SampleHeaders.TraceId, out var values) ? values.FirstOrDefault() : null;

    private static Uri ListeningUrl(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The server reports no listening address.");
        return new Uri(first.EndsWith('/') ? first : first + "/");
    }

    private sealed record Flow(string Name, string Path, string User, HttpStatusCode Status, string? TraceId, string Body)
    {
        public string Method => "POST";
    }

    private sealed class QuickstartFailure(string step, string message) : Exception(message)
    {
        public string Step { get; } = step;
    }
}
