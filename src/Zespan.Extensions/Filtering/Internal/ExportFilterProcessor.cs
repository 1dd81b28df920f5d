using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
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
internal sealed class ExportFilterProcessor : IZespanEventProcessor
{
    /// <summary>Runs before redaction (<see cref="Redaction.Internal.RedactionProcessor.ProcessorOrder"/>).</summary>
    public const int ProcessorOrder = 100;

    private readonly PerOptions<CompiledExportFilter[]> _compiled;
    private readonly ILogger _logger;

    public ExportFilterProcessor(IOptionsMonitor<ZespanOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _compiled = new PerOptions<CompiledExportFilter[]>(options, static current => ExportFilterCompiler.Compile(current.ExportFilters));
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
    }

    public int Order => ProcessorOrder;

    /// <summary>Gets the compiled filters of the options in force.</summary>
    public CompiledExportFilter[] Filters => _compiled.Value;

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

}
