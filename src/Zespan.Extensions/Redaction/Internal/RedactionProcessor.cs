using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
internal sealed class RedactionProcessor : IZespanEventProcessor, IDisposable
{
    /// <summary>Runs after the export filters (<see cref="Filtering.Internal.ExportFilterProcessor.ProcessorOrder"/>).</summary>
    public const int ProcessorOrder = 200;

    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;
    private volatile Compiled? _compiled;

    public RedactionProcessor(IOptionsMonitor<ZespanOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
        _subscription = options.OnChange((_, _) => _compiled = null);
    }

    public int Order => ProcessorOrder;

    /// <summary>Gets the key set of the options in force.</summary>
    public RedactionKeySet Keys
    {
        get
        {
            var current = _options.CurrentValue;
            var compiled = _compiled;
            if (compiled is null || !ReferenceEquals(compiled.Options, current))
            {
                compiled = new Compiled(current, RedactionKeySet.Create(current));
                _compiled = compiled;
            }

            return compiled.Keys;
        }
    }

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

    public void Dispose() => _subscription?.Dispose();

    private sealed record Compiled(ZespanOptions Options, RedactionKeySet Keys);
}
