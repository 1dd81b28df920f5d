using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>The chat-client tests' <see cref="ZespanTestHost"/>: the fake Zespan backend and Zespan added, flushed on demand.</summary>
internal static class ChatClientHost
{
    extension(ZespanTestHost)
    {
        public static Task<ZespanTestHost> StartChatAsync(Action<ZespanOptions>? configure = null, Action<IServiceCollection>? services = null) =>
            ZespanTestHost.StartAsync(new ZespanTestHostOptions
            {
                MinimumLogLevel = LogLevel.Information,
                Configure = configure,
                Services = services is null ? null : (s, _) => services(s),
            }.Quiet());
    }

    extension(ZespanTestHost h)
    {
        public IChatClient Wrap(IChatClient inner, Action<ZespanChatClientOptions>? configure = null) =>
            configure is null ? inner.WithZespan(h.Services) : inner.WithZespan(h.Services, configure);

        /// <summary>Flushes and returns the one <c>generation</c> event.</summary>
        public async Task<JsonObject> SingleGenerationAsync() =>
            Assert.Single(await h.FlushAsync(), e => (string?)e["log_type"] == "generation");
    }
}
