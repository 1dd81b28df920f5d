using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Prompts.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Prompts;

/// <summary>The prompt tests' <see cref="ZespanTestHost"/>: the fake backend, the host's fake clock, Zespan pointed at the backend.</summary>
internal static class PromptHost
{
    extension(ZespanTestHost)
    {
        public static Task<ZespanTestHost> StartPromptsAsync(Action<ZespanOptions>? configure = null, Action<IServiceCollection>? services = null, string? pathPrefix = null) =>
            ZespanTestHost.StartAsync(new ZespanTestHostOptions
            {
                FakeTime = true,
                Configure = configure,
                ServicesBeforeZespan = services,
                BackendPathPrefix = pathPrefix,
            });
    }

    extension(ZespanTestHost h)
    {
        public IPromptClient Client => h.Services.GetRequiredService<IPromptClient>();

        public PromptClient Internal => (PromptClient)h.Client;

        /// <summary>Holds GET requests for one prompt until <see cref="Gate.Release"/>; <see cref="Gate.Arrived"/> completes when one arrives.</summary>
        public Gate HoldGets(string name)
        {
            var gate = new Gate();
            h.Backend.Intercept = async (context, request) =>
            {
                if (request.Method == "GET" && request.Path == "/v1/prompts/" + name)
                {
                    gate.SignalArrived();
                    await gate.Released;
                }

                return false;
            };
            return gate;
        }
    }

    internal sealed class Gate
    {
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arrived => _arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        public Task Released => _released.Task;

        public void SignalArrived() => _arrived.TrySetResult();

        public void Release() => _released.TrySetResult();
    }
}

/// <summary>Small helpers to build fallback prompts and variables.</summary>
internal static class PromptTestData
{
    public static Prompt TextFallback(string name = "support-reply") =>
        new() { Name = name, PromptType = PromptType.Text, Text = "Hello {{ customer_name }} (fallback)" };

    public static Dictionary<string, object?> Vars(params (string Key, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        FakeZespanBackend.WriteErrorAsync(context, status, "test", message);
}
