using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> middleware (<c>EmbeddingGeneratorBuilder.UseZespan()</c>)
/// that records each call as a Zespan <c>embedding</c> event: model, number of inputs, the inputs (text, when prompts
/// are stored), tokens, latency and, through the event lifecycle, cost. Under an HTTP client instrumented by Zespan
/// (a handler, or process-wide capture) the HTTP layer adds what only it sees to this event instead of recording
/// its own. Telemetry never fails a call: the exceptions the caller sees are the inner generator's, unchanged.
/// </summary>
/// <typeparam name="TInput">The type of the inputs.</typeparam>
/// <typeparam name="TEmbedding">The type of the embeddings.</typeparam>
internal sealed partial class ZespanEmbeddingGenerator<TInput, TEmbedding> : DelegatingEmbeddingGenerator<TInput, TEmbedding>
    where TEmbedding : Embedding
{
    private readonly ZespanTracer _tracer;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;
    private readonly string? _provider;
    private readonly string? _defaultModelId;
    private readonly string _eventName;
    private readonly Func<Type, object?> _innerService;

    public ZespanEmbeddingGenerator(IEmbeddingGenerator<TInput, TEmbedding> innerGenerator, IServiceProvider services, ZespanChatClientOptions? options)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(services);
        _tracer = ZespanAIServices.RequireTracer(services, "UseZespan()");
        _options = services.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _logger = (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger("Zespan") ?? NullLogger.Instance;
        EmbeddingGeneratorMetadata? metadata = null;
        try
        {
            metadata = innerGenerator.GetService<EmbeddingGeneratorMetadata>();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
        }

        var label = string.IsNullOrWhiteSpace(options?.ProviderName) ? null : options!.ProviderName!.Trim();
        _provider = label ?? ChatProviderNames.ToZespanName(metadata?.ProviderName);
        _defaultModelId = metadata?.DefaultModelId;
        _eventName = _provider is null ? "embeddings" : _provider + ".embeddings";
        _innerService = type => InnerGenerator.GetService(type);
    }

    /// <inheritdoc/>
    public override Task<GeneratedEmbeddings<TEmbedding>> GenerateAsync(IEnumerable<TInput> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var zespan = _options.CurrentValue;
        return zespan.Enabled && ZespanCallContext.Current is not { IsMiddleware: true }
            ? GenerateCoreAsync(values, options, zespan, cancellationToken)
            : base.GenerateAsync(values, options, cancellationToken);
    }

    /// <inheritdoc/>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : base.GetService(serviceType, serviceKey);
    }

    private async Task<GeneratedEmbeddings<TEmbedding>> GenerateCoreAsync(IEnumerable<TInput> values, EmbeddingGenerationOptions? options, ZespanOptions zespan, CancellationToken cancellationToken)
    {
        // The inputs are read once (an enumerable that throws loses no event), and the same list goes to the inner generator.
        var inputs = values as IList<TInput> ?? [.. values];
        var evt = Begin(inputs, options, zespan);
        var context = ZespanCallContext.ForMiddleware(evt, preChecked: false, postChecked: false);
        GeneratedEmbeddings<TEmbedding>? result = null;
        Exception? error = null;
        var previous = ZespanCallContext.Current;
        ZespanCallContext.Current = context;
        try
        {
            result = await base.GenerateAsync(inputs, options, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            ZespanCallContext.Current = previous;
            Finish(evt, context, inputs.Count, result, error);
        }
    }

    private ZespanEvent? Begin(IList<TInput> inputs, EmbeddingGenerationOptions? options, ZespanOptions zespan)
    {
        if (!_tracer.TryStartEvent(LogTypes.Embedding, _eventName, out var evt))
        {
            return null;
        }

        try
        {
            evt.Provider = _provider;
            evt.Model = options?.ModelId ?? _defaultModelId;
            evt.StatusCode = 0; // "not set": the HTTP layer's status wins when it enriches this event
            if (zespan.StorePrompts && inputs is IList<string> texts)
            {
                var budget = new TextBudget(zespan.MaxEventBytes);
                var messages = new LlmMessage[texts.Count];
                for (var i = 0; i < messages.Length; i++)
                {
                    messages[i] = new LlmMessage("user", budget.Take(texts[i]));
                }

                evt.PromptMessages = messages;
                evt.Truncated |= budget.Truncated;
            }

            // With Microsoft.Extensions.AI's OpenTelemetryEmbeddingGenerator in the pipeline, its span is the call's span.
            if (!GenAiSpans.Adopt(evt, _innerService) && ZespanDiagnostics.ActivitySource.HasListeners())
            {
                ZespanActivities.Start(evt, ActivityKind.Client);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
        }

        return evt;
    }

    private void Finish(ZespanEvent? evt, ZespanCallContext context, int inputCount, GeneratedEmbeddings<TEmbedding>? result, Exception? error)
    {
        var http = context.TakeHttpExchange();
        if (evt is null)
        {
            http?.Dispose();
            return;
        }

        EmbeddingCapture? capture = null;
        try
        {
            capture = EmbeddingCapture.From(inputCount, result, error, http);
            http = null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
        }
        finally
        {
            http?.Dispose();
        }

        _tracer.Complete(evt, capture);
    }

    [LoggerMessage(EventId = ZespanAILogEvents.EmbeddingRecordFailed, EventName = nameof(ZespanAILogEvents.EmbeddingRecordFailed), Level = LogLevel.Debug, Message = "Zespan could not record an embedding generator call.")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception);
}
