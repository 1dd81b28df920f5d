using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Prepares each dequeued event by running every <see cref="IZespanEventProcessor"/> on it, lowest
/// <see cref="IZespanEventProcessor.Order"/> first (registration order among equals). A processor that returns
/// <see langword="false"/> leaves the event out on purpose (<see cref="ExportStatistics.EventsFiltered"/>, not a
/// loss); one that throws drops that event only, counted as rejected and reported in <c>dropped_since_last</c>.
/// </summary>
internal sealed class EventProcessorChain : IEventPreparer
{
    private readonly IZespanEventProcessor[] _processors;
    private readonly ExportStatistics _stats;
    private readonly DropCounter _drops;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;

    public EventProcessorChain(
        IEnumerable<IZespanEventProcessor> processors,
        ExportStatistics statistics,
        DropCounter drops,
        IOptionsMonitor<ZespanOptions> options,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);

        // OrderBy is stable: processors with the same Order keep their registration order.
        _processors = (processors ?? []).OrderBy(static p => p.Order).ToArray();
        _stats = statistics;
        _drops = drops;
        _options = options;
        _logger = loggerFactory.CreateLogger("Zespan");
    }

    /// <inheritdoc/>
    public bool Prepare(ZespanEvent item)
    {
        var processors = _processors;
        for (var i = 0; i < processors.Length; i++)
        {
            try
            {
                if (!processors[i].Process(item))
                {
                    _stats.RecordFiltered();
                    return false;
                }
            }
#pragma warning disable CA1031 // a throwing processor drops its event, never the loop
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _drops.Rejected(1);
                if (_options.CurrentValue.Debug)
                {
                    ExportLog.ProcessorFailed(_logger, processors[i].GetType().Name, ex);
                }

                return false;
            }
        }

        return true;
    }
}
