using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Redaction.Internal;

/// <summary>
/// Redacts every event on the export thread, before it is serialized (<see cref="EventRedactor"/>). The key
/// set is compiled once per options snapshot (defaults merged with <c>RedactKeys</c>, which remote
/// <c>pii_redact_keys</c> rules extend) and rebuilt when the options change.
/// </summary>
/// <remarks>
/// Fails closed: if redaction throws on an event, the event is dropped (and logged) rather than sent unredacted.
/// </remarks>
internal sealed class RedactionProcessor : IZespanEventProcessor
{
    /// <summary>Runs after the export filters (<see cref="Filtering.Internal.ExportFilterProcessor.ProcessorOrder"/>).</summary>
    public const int ProcessorOrder = 200;

    private readonly PerOptions<RedactionKeySet> _compiled;
    private readonly ILogger _logger;

    public RedactionProcessor(IOptionsMonitor<ZespanOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _compiled = new PerOptions<RedactionKeySet>(options, static current => RedactionKeySet.Create(current));
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
    }

    public int Order => ProcessorOrder;

    /// <summary>Gets the key set of the options in force.</summary>
    public RedactionKeySet Keys => _compiled.Value;

    public bool Process(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            EventRedactor.Redact(item, Keys);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TracingLog.RedactionFailed(_logger, item.LogType, ex);
            return false;
        }
    }

}
