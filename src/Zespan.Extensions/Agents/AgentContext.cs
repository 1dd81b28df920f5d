using System.Text.Json.Serialization.Metadata;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions;

/// <summary>
/// An agent, started with <see cref="IZespanTracer.StartAgent"/>: an <c>agent</c> span whose plans, tool calls
/// and handoffs are recorded as its children. Dispose it to end it.
/// </summary>
/// <remarks>
/// <para>
/// While the agent is open it is the current span of its async flow, so LLM calls and spans started inside it
/// are its children (and those made inside a traced tool are the tool's children).
/// </para>
/// <para>
/// Tools always run, whatever the tracing state: when tracing is disabled or the trace was sampled out,
/// <see cref="TraceTool{T}(string, object?, Func{T})"/> just calls the tool. An exception a tool throws
/// propagates unchanged (same object, same stack trace) after being recorded on the <c>tool</c> event
/// (status 500 and <c>error</c>). After the agent ended, plans and handoffs are ignored and tools run untraced.
/// </para>
/// </remarks>
public sealed class AgentContext : IDisposable
{
    private readonly ZespanTracer? _tracer;
    private readonly ZespanSpan _span;

    internal AgentContext(ZespanTracer? tracer, ZespanSpan span, string name)
    {
        _tracer = tracer;
        _span = span;
        Name = name;
    }

    /// <summary>Gets the agent's name (the <c>from</c> of its handoffs).</summary>
    public string Name { get; }

    /// <summary>Gets the trace id: 32 lowercase hex digits (all zeros when the agent is not recorded).</summary>
    public string TraceId => _span.TraceId;

    /// <summary>Gets the agent span's id: 16 lowercase hex digits (all zeros when the agent is not recorded).</summary>
    public string SpanId => _span.SpanId;

    /// <summary>Gets a value indicating whether the agent is recorded (tracing enabled and the trace sampled in).</summary>
    public bool IsRecording => _span.IsRecording;

    /// <summary>Gets the agent's own span, for tags, metadata, scores and errors.</summary>
    public ZespanSpan Span => _span;

    /// <summary>Records the agent's plan as a child <c>plan</c> event.</summary>
    /// <param name="steps">The steps, in order (copied now).</param>
    public void LogPlan(IEnumerable<string> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (!CanRecordChild())
        {
            return;
        }

        string[] plan = [.. steps];
        if (_tracer!.TryStartChildEvent(_span, LogTypes.Plan, Name, out var item))
        {
            item.Plan = plan;
            _tracer.Complete(item);
        }
    }

    /// <summary>Records that the agent hands the work to another agent, as a child <c>handoff</c> event <c>{from, to, reason}</c>.</summary>
    /// <param name="target">The agent taking over.</param>
    /// <param name="reason">Why.</param>
    public void DelegateTo(string target, string reason)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (CanRecordChild() && _tracer!.TryStartChildEvent(_span, LogTypes.Handoff, Name, out var item))
        {
            item.Handoff = new HandoffInfo(Name, target, reason);
            _tracer.Complete(item);
        }
    }

    /// <summary>
    /// Runs a tool inside a child <c>tool</c> span <c>{name, arguments, result}</c>. The arguments are copied to
    /// JSON before the tool runs and the result after it returns (see <see cref="ZespanSpan.SetMetadata(string, object?)"/>
    /// for how objects are converted).
    /// </summary>
    /// <typeparam name="T">The tool's result type.</typeparam>
    /// <param name="name">The tool's name.</param>
    /// <param name="arguments">The arguments the tool is called with.</param>
    /// <param name="tool">The tool.</param>
    /// <returns>What the tool returned.</returns>
    public T TraceTool<T>(string name, object? arguments, Func<T> tool)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tool);
        var span = StartTool(name, arguments, null);
        try
        {
            var result = tool();
            SetResult(span, result);
            return result;
        }
        catch (Exception ex) when (span.RecordAndRethrow(ex))
        {
            throw;
        }
        finally
        {
            span.Dispose();
        }
    }

    /// <summary>Runs a tool that returns nothing inside a child <c>tool</c> span (see <see cref="TraceTool{T}(string, object?, Func{T})"/>).</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="arguments">The arguments the tool is called with.</param>
    /// <param name="tool">The tool.</param>
    public void TraceTool(string name, object? arguments, Action tool)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tool);
        var span = StartTool(name, arguments, null);
        try
        {
            tool();
        }
        catch (Exception ex) when (span.RecordAndRethrow(ex))
        {
            throw;
        }
        finally
        {
            span.Dispose();
        }
    }

    /// <summary>Runs an asynchronous tool inside a child <c>tool</c> span (see <see cref="TraceTool{T}(string, object?, Func{T})"/>).</summary>
    /// <typeparam name="T">The tool's result type.</typeparam>
    /// <param name="name">The tool's name.</param>
    /// <param name="arguments">The arguments the tool is called with.</param>
    /// <param name="tool">The tool.</param>
    /// <returns>What the tool returned.</returns>
    public Task<T> TraceToolAsync<T>(string name, object? arguments, Func<Task<T>> tool)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tool);
        return Core(name, arguments, tool);

        async Task<T> Core(string name, object? arguments, Func<Task<T>> tool)
        {
            var span = StartTool(name, arguments, null);
            try
            {
                var result = await tool().ConfigureAwait(false);
                SetResult(span, result);
                return result;
            }
            catch (Exception ex) when (span.RecordAndRethrow(ex))
            {
                throw;
            }
            finally
            {
                span.Dispose();
            }
        }
    }

    /// <summary>Runs an asynchronous tool that returns nothing inside a child <c>tool</c> span.</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="arguments">The arguments the tool is called with.</param>
    /// <param name="tool">The tool.</param>
    /// <returns>The tool's task.</returns>
    public Task TraceToolAsync(string name, object? arguments, Func<Task> tool)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tool);
        return Core(name, arguments, tool);

        async Task Core(string name, object? arguments, Func<Task> tool)
        {
            var span = StartTool(name, arguments, null);
            try
            {
                await tool().ConfigureAwait(false);
            }
            catch (Exception ex) when (span.RecordAndRethrow(ex))
            {
                throw;
            }
            finally
            {
                span.Dispose();
            }
        }
    }

    /// <summary>
    /// Runs a tool inside a child <c>tool</c> span, converting its arguments and result with source-generated
    /// JSON metadata (AOT-safe).
    /// </summary>
    /// <typeparam name="TArguments">The arguments' type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="name">The tool's name.</param>
    /// <param name="arguments">The arguments, passed to <paramref name="tool"/>.</param>
    /// <param name="tool">The tool.</param>
    /// <param name="argumentsTypeInfo">JSON metadata of the arguments.</param>
    /// <param name="resultTypeInfo">JSON metadata of the result.</param>
    /// <returns>What the tool returned.</returns>
    public TResult TraceTool<TArguments, TResult>(string name, TArguments arguments, Func<TArguments, TResult> tool, JsonTypeInfo<TArguments> argumentsTypeInfo, JsonTypeInfo<TResult> resultTypeInfo)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(argumentsTypeInfo);
        ArgumentNullException.ThrowIfNull(resultTypeInfo);
        var span = StartTool(name, arguments, argumentsTypeInfo);
        try
        {
            var result = tool(arguments);
            SetResult(span, result, resultTypeInfo);
            return result;
        }
        catch (Exception ex) when (span.RecordAndRethrow(ex))
        {
            throw;
        }
        finally
        {
            span.Dispose();
        }
    }

    /// <summary>
    /// Runs an asynchronous tool inside a child <c>tool</c> span, converting its arguments and result with
    /// source-generated JSON metadata (AOT-safe).
    /// </summary>
    /// <typeparam name="TArguments">The arguments' type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="name">The tool's name.</param>
    /// <param name="arguments">The arguments, passed to <paramref name="tool"/>.</param>
    /// <param name="tool">The tool.</param>
    /// <param name="argumentsTypeInfo">JSON metadata of the arguments.</param>
    /// <param name="resultTypeInfo">JSON metadata of the result.</param>
    /// <returns>What the tool returned.</returns>
    public Task<TResult> TraceToolAsync<TArguments, TResult>(string name, TArguments arguments, Func<TArguments, Task<TResult>> tool, JsonTypeInfo<TArguments> argumentsTypeInfo, JsonTypeInfo<TResult> resultTypeInfo)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(argumentsTypeInfo);
        ArgumentNullException.ThrowIfNull(resultTypeInfo);
        return Core(name, arguments, tool, argumentsTypeInfo, resultTypeInfo);

        async Task<TResult> Core(string name, TArguments arguments, Func<TArguments, Task<TResult>> tool, JsonTypeInfo<TArguments> argumentsTypeInfo, JsonTypeInfo<TResult> resultTypeInfo)
        {
            var span = StartTool(name, arguments, argumentsTypeInfo);
            try
            {
                var result = await tool(arguments).ConfigureAwait(false);
                SetResult(span, result, resultTypeInfo);
                return result;
            }
            catch (Exception ex) when (span.RecordAndRethrow(ex))
            {
                throw;
            }
            finally
            {
                span.Dispose();
            }
        }
    }

    /// <summary>Ends the agent (see <see cref="ZespanSpan.Dispose"/>). A second call does nothing.</summary>
    public void Dispose() => _span.Dispose();

    private static void SetResult<T>(ZespanSpan span, T result, JsonTypeInfo<T>? typeInfo = null)
    {
        if (span.Event is null || span.IsEnded)
        {
            return;
        }

        var node = typeInfo is null ? JsonSnapshot.From(result) : JsonSnapshot.From(result, typeInfo);
        span.Update(node, static (item, value) =>
        {
            if (item.Tool is { } tool)
            {
                tool.Result = value;
            }
        });
    }

    private bool CanRecordChild() => _tracer is not null && _span.IsRecording && !_span.IsEnded;

    /// <summary>
    /// Starts the tool's span as a child of the agent and makes it current while the tool runs (so LLM calls
    /// inside the tool are its children). Not recorded when the agent is not; untraced once the agent ended.
    /// </summary>
    private ZespanSpan StartTool<TArguments>(string name, TArguments arguments, JsonTypeInfo<TArguments>? typeInfo)
    {
        if (_tracer is null || _span.IsEnded)
        {
            return ZespanSpan.NoOp;
        }

        var span = _tracer.StartSpanCore(LogTypes.Tool, name, explicitParent: _span);
        if (span.Event is not null)
        {
            var node = typeInfo is null ? JsonSnapshot.From(arguments) : JsonSnapshot.From(arguments, typeInfo);
            span.Update(new ToolInfo { Name = name, Arguments = node }, static (item, tool) => item.Tool = tool);
        }

        return span;
    }
}
