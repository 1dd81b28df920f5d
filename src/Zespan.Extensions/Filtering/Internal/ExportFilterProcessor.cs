using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Filtering.Internal;

/// <summary>
/// Drops, on the export thread, every event that does not match all of <see cref="ZespanOptions.ExportFilters"/>.
/// Runs before redaction (lower <see cref="Order"/>), so a dropped event is never redacted or serialized.
/// </summary>
/// <remarks>
/// Each event is judged alone: filtering out a parent span does not filter out its children, which are then
/// exported with a <c>parent_span_id</c> the backend never receives. Fails open: a filter that throws lets the
/// event through (and is logged).
/// </remarks>
internal sealed class ExportFilterProcessor : IZespanEventProcessor, IDisposable
{
    /// <summary>Runs before redaction (<see cref="Redaction.Internal.RedactionProcessor.ProcessorOrder"/>).</summary>
    public const int ProcessorOrder = 100;

    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;
    private volatile Compiled? _compiled;

    public ExportFilterProcessor(IOptionsMonitor<ZespanOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
        _subscription = options.OnChange((_, _) => _compiled = null);
    }

    public int Order => ProcessorOrder;

    /// <summary>Gets the compiled filters of the options in force.</summary>
    public CompiledExportFilter[] Filters
    {
        get
        {
            var current = _options.CurrentValue;
            var compiled = _compiled;
            if (compiled is null || !ReferenceEquals(compiled.Options, current))
            {
                compiled = new Compiled(current, ExportFilterCompiler.Compile(current.ExportFilters));
                _compiled = compiled;
            }

            return compiled.Filters;
        }
    }

    public bool Process(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            foreach (var filter in Filters)
            {
                if (!filter.Matches(item, out var timedOut))
                {
                    if (timedOut && filter.ShouldLogTimeout())
                    {
                        TracingLog.FilterRegexTimeout(_logger, filter.Index, filter.Field.Name);
                    }

                    return false;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TracingLog.FilterFailed(_logger, item.LogType, ex);
            return true;
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private sealed record Compiled(ZespanOptions Options, CompiledExportFilter[] Filters);
}
