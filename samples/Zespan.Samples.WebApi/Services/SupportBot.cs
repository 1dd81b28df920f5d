using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace Zespan.Samples.WebApi.Services;

/// <summary>
/// A typed client: <c>IHttpClientFactory</c> hands it an <see cref="HttpClient"/> whose pipeline holds the Zespan
/// handler (<c>AddHttpClient&lt;SupportBot&gt;().AddZespanOpenAI(...)</c>), and the OpenAI SDK sends through it.
/// Nothing else in the app knows about tracing.
/// </summary>
public sealed class SupportBot
{
    private readonly ChatClient _chat;

    /// <summary>Creates the bot on the factory's client.</summary>
    /// <param name="httpClient">The instrumented client.</param>
    /// <param name="settings">The <c>OpenAI</c> section.</param>
    public SupportBot(HttpClient httpClient, IOptions<OpenAISettings> settings)
    {
        var s = settings.Value;
        Model = s.Model;
        _chat = new ChatClient(s.Model, new ApiKeyCredential(s.ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(s.Endpoint),
            Transport = new HttpClientPipelineTransport(httpClient),
        });
    }

    /// <summary>Gets the model the bot calls.</summary>
    public string Model { get; }

    /// <summary>One chat completion.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">Tools and other request options, or null.</param>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The completion.</returns>
    public async Task<ChatCompletion> CompleteAsync(IEnumerable<ChatMessage> messages, ChatCompletionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ClientResult<ChatCompletion> result = await _chat.CompleteChatAsync(messages, options, cancellationToken);
        return result.Value;
    }

    /// <summary>A streamed chat completion (server-sent events from the provider, with usage in the last chunk).</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The updates, as they arrive.</returns>
    public AsyncCollectionResult<StreamingChatCompletionUpdate> StreamAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default) =>
        _chat.CompleteChatStreamingAsync(messages, cancellationToken: cancellationToken);
}
