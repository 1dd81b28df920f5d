namespace Zespan.Extensions;

/// <summary>
/// Runs code inside a Zespan span and records the exception it throws, which
/// <see cref="ZespanSpan.Dispose"/> alone cannot see.
/// </summary>
/// <remarks>
/// The exception is recorded by an exception filter, so it propagates unchanged: same object, same stack
/// trace, never wrapped or caught. The span ends when the code returns or throws.
/// </remarks>
public static class ZespanTracerExtensions
{
    /// <summary>Runs <paramref name="body"/> inside a span named <paramref name="name"/> and returns its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="tracer">The tracer.</param>
    /// <param name="name">The span's name.</param>
    /// <param name="body">The code; it receives the span (to set tags, metadata, scores).</param>
    /// <returns>What <paramref name="body"/> returned.</returns>
    public static T Trace<T>(this IZespanTracer tracer, string name, Func<ZespanSpan, T> body)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        ArgumentNullException.ThrowIfNull(body);
        using var span = tracer.StartSpan(name);
        try
        {
            return body(span);
        }
        catch (Exception ex) when (span.RecordAndRethrow(ex))
        {
            throw;
        }
    }

    /// <summary>Runs <paramref name="body"/> inside a span named <paramref name="name"/>.</summary>
    /// <param name="tracer">The tracer.</param>
    /// <param name="name">The span's name.</param>
    /// <param name="body">The code; it receives the span.</param>
    public static void Trace(this IZespanTracer tracer, string name, Action<ZespanSpan> body)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        ArgumentNullException.ThrowIfNull(body);
        using var span = tracer.StartSpan(name);
        try
        {
            body(span);
        }
        catch (Exception ex) when (span.RecordAndRethrow(ex))
        {
            throw;
        }
    }

    /// <summary>Runs asynchronous <paramref name="body"/> inside a span named <paramref name="name"/> and returns its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="tracer">The tracer.</param>
    /// <param name="name">The span's name.</param>
    /// <param name="body">The code; it receives the span.</param>
    /// <returns>What <paramref name="body"/> returned.</returns>
    public static async Task<T> TraceAsync<T>(this IZespanTracer tracer, string name, Func<ZespanSpan, Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        ArgumentNullException.ThrowIfNull(body);
        using var span = tracer.StartSpan(name);
        try
        {
            return await body(span).ConfigureAwait(false);
        }
        catch (Exception ex) when (span.RecordAndRethrow(ex))
        {
            throw;
        }
    }

    /// <summary>Runs asynchronous <paramref name="body"/> inside a span named <paramref name="name"/>.</summary>
    /// <param name="tracer">The tracer.</param>
    /// <param name="name">The span's name.</param>
    /// <param name="body">The code; it receives the span.</param>
    /// <returns>A task that completes when <paramref name="body"/> does.</returns>
    public static async Task TraceAsync(this IZespanTracer tracer, string name, Func<ZespanSpan, Task> body)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        ArgumentNullException.ThrowIfNull(body);
        using var span = tracer.StartSpan(name);
        try
        {
            await body(span).ConfigureAwait(false);
        }
        catch (Exception ex) when (span.RecordAndRethrow(ex))
        {
            throw;
        }
    }
}
