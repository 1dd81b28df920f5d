namespace Zespan.Extensions;

/// <summary>A Zespan span. PLACEHOLDER: implemented by the tracing feature.</summary>
public sealed class ZespanSpan : IDisposable
{
    internal ZespanSpan()
    {
    }

    /// <summary>Ends the span.</summary>
    public void Dispose()
    {
    }
}
