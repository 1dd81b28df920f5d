using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using OpenAI.Chat;
using Zespan.Extensions;
using Zespan.Samples.WebApi.Services;

namespace Zespan.Samples.WebApi.Controllers;

/// <summary>
/// Support chat: the system prompt comes from Zespan prompt management (<c>support-reply</c>, label
/// <c>production</c>), the model call runs inside a span and the request's Zespan context scope (the signed-in user
/// and the <c>X-Session-Id</c> header, from <c>AddAspNetCore</c>: no <c>BeginScope</c> here), so the trace shows who
/// asked, which prompt version answered, and what it cost.
/// </summary>
[ApiController]
[Route("support")]
public sealed class SupportController(
    SupportBot bot,
    IPromptClient prompts,
    IZespanTracer tracer) : ControllerBase
{
    /// <summary>The managed prompt the controller uses.</summary>
    public const string PromptName = "support-reply";

    /// <summary>The label of the prompt version in use.</summary>
    public const string PromptLabel = "production";

    /// <summary>Used when the server has no <c>support-reply</c> prompt (or cannot be reached), so the endpoint always works.</summary>
    public static readonly Prompt FallbackPrompt = new()
    {
        Name = PromptName,
        PromptType = PromptType.Text,
        Text = "You are the support assistant of {{product}}. Answer {{user}} briefly and politely.",
    };

    /// <summary>One question, one answer.</summary>
    /// <param name="request">The user's message.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>The reply and its trace id.</returns>
    [HttpPost("chat")]
    [ProducesResponseType<ChatReply>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<ActionResult<ChatReply>> Chat([FromBody] ChatRequest request, CancellationToken cancellationToken)
    {
        var userId = User.FindFirstValue(ClaimTypes.NameIdentifier);

        // TraceAsync records an exception (a guardrail block, a provider error) on the span and rethrows it unchanged.
        return await tracer.TraceAsync("support.chat", async span =>
        {
            Response.Headers[SampleHeaders.TraceId] = span.TraceId;
            var (system, prompt) = await SystemPromptAsync(userId, cancellationToken);
            span.SetTag("prompt", prompt.IsFallback ? "fallback" : $"{prompt.Name}@v{prompt.Version}");

            ChatCompletion completion = await bot.CompleteAsync(
                [new SystemChatMessage(system), new UserChatMessage(request.Message)], cancellationToken: cancellationToken);

            return new ChatReply(
                string.Concat(completion.Content.Select(static part => part.Text)),
                span.TraceId,
                completion.Model,
                completion.Usage?.TotalTokenCount,
                prompt.IsFallback ? null : prompt.Version);
        });
    }

    /// <summary>The same, streamed to the client as server-sent events while the model produces it.</summary>
    /// <param name="request">The user's message.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>A task that ends with the stream.</returns>
    /// <remarks>
    /// <c>data: {"text": "..."}</c> per chunk, then <c>event: done</c> with the trace id. With guardrail post-checks on
    /// (as here), the SDK holds the completion back until it has been checked, so the chunks arrive once the model has
    /// finished; turn <c>Post</c> off on a client where time to first token matters more.
    /// </remarks>
    [HttpPost("stream")]
    public async Task Stream([FromBody] ChatRequest request, CancellationToken cancellationToken)
    {
        var userId = User.FindFirstValue(ClaimTypes.NameIdentifier);

        await tracer.TraceAsync("support.stream", async span =>
        {
            Response.Headers[SampleHeaders.TraceId] = span.TraceId;
            var (system, _) = await SystemPromptAsync(userId, cancellationToken);

            // Nothing is sent before the first chunk is written, so a guardrail block raised while the
            // stream opens still becomes a 422.
            Response.ContentType = "text/event-stream";
            Response.Headers.CacheControl = "no-cache";
            HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

            string? finishReason = null;
            await foreach (var update in bot.StreamAsync([new SystemChatMessage(system), new UserChatMessage(request.Message)], cancellationToken))
            {
                foreach (var part in update.ContentUpdate)
                {
                    if (!string.IsNullOrEmpty(part.Text))
                    {
                        await WriteEventAsync(null, new StreamDelta(part.Text), cancellationToken);
                    }
                }

                finishReason = update.FinishReason?.ToString() ?? finishReason;
            }

            await WriteEventAsync("done", new StreamDone(span.TraceId, finishReason), cancellationToken);
        });
    }

    private async Task<(string System, Prompt Prompt)> SystemPromptAsync(string? userId, CancellationToken cancellationToken)
    {
        // Cached by the SDK (PromptCacheTtl); the fallback is used when the prompt is missing or the server is down.
        var prompt = await prompts.GetAsync(PromptName, FallbackPrompt, label: PromptLabel, cancellationToken: cancellationToken);
        var text = prompts.Compile(prompt, new Dictionary<string, object?>
        {
            ["product"] = "Zespan",
            ["user"] = userId ?? "the customer",
        });
        return (text, prompt);
    }

    private async Task WriteEventAsync<T>(string? eventName, T data, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(data, JsonSerializerOptions.Web);
        var frame = eventName is null ? $"data: {json}\n\n" : $"event: {eventName}\ndata: {json}\n\n";
        await Response.WriteAsync(frame, cancellationToken);
        await Response.Body.FlushAsync(cancellationToken);
    }
}
