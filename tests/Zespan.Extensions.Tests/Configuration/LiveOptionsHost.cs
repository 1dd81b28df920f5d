using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Configuration;

/// <summary>
/// The live-options tests' <see cref="ZespanTestHost"/>: Zespan bound from its reloadable configuration section, the
/// fake backend and a fake OpenAI-compatible provider (both real Kestrel on loopback): change a setting, reload, and
/// watch what the SDK does next, through its public surface only.
/// </summary>
internal static class LiveOptionsHost
{
    /// <summary>The name of the client with <c>AddZespanOpenAI()</c>.</summary>
    public const string OpenAIClient = "openai";

    /// <summary>The name of a client only <c>InstrumentAllHttpClients()</c> instruments.</summary>
    public const string PlainClient = "plain";

    private static readonly ConditionalWeakTable<ZespanTestHost, Seen> SeenSoFar = [];

    extension(ZespanTestHost)
    {
        public static Task<ZespanTestHost> StartLiveOptionsAsync(params (string Key, string? Value)[] settings) =>
            ZespanTestHost.StartAsync(new ZespanTestHostOptions
            {
                Provider = static async (context, _) =>
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.Body.WriteAsync(Providers.Fixtures.Bytes("openai-chat.json"));
                },
                Zespan = static zespan => zespan.InstrumentAllHttpClients(),
                Services = static (services, _) =>
                {
                    services.AddHttpClient(OpenAIClient).AddZespanOpenAI();
                    services.AddHttpClient(PlainClient);
                },
            }.With(("DisableConfigSync", "true"), ("FlushInterval", "01:00:00"), ("BatchSize", "1000")).With(settings));
    }

    extension(ZespanTestHost h)
    {
        /// <summary>Posts a chat completion through a factory client; returns the request the provider received.</summary>
        public async Task<RecordedRequest> ChatAsync(string model = "gpt-4o", string prompt = "hello", string client = OpenAIClient)
        {
            var http = h.Services.GetRequiredService<IHttpClientFactory>().CreateClient(client);
            var before = h.Provider.Requests.Count;
            var body = new JsonObject
            {
                ["model"] = model,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
            };
            using var response = await http.PostAsJsonAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), body);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            return h.Provider.Requests[before];
        }

        /// <summary>Flushes (asserting success) and returns the events the backend accepted since the last call.</summary>
        public async Task<IReadOnlyList<JsonObject>> FlushNewAsync()
        {
            Assert.True(await h.Services.GetRequiredService<IZespanClient>().FlushAsync());
            return h.TakeNewEvents();
        }

        /// <summary>Returns the events the backend accepted since the last call.</summary>
        public IReadOnlyList<JsonObject> TakeNewEvents()
        {
            var seen = SeenSoFar.GetOrCreateValue(h);
            var events = h.Backend.Events;
            var fresh = events.Skip(seen.Events).ToArray();
            seen.Events = events.Count;
            return fresh;
        }

        /// <summary>Returns the batches the backend accepted since the last call.</summary>
        public IReadOnlyList<JsonObject> TakeNewBatches()
        {
            var seen = SeenSoFar.GetOrCreateValue(h);
            var batches = h.Backend.Batches;
            var fresh = batches.Skip(seen.Batches).ToArray();
            seen.Batches = batches.Count;
            return fresh;
        }
    }

    private sealed class Seen
    {
        public int Events { get; set; }

        public int Batches { get; set; }
    }
}
