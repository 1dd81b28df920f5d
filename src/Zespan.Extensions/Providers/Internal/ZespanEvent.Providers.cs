using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tracing.Internal;

/// <summary>The provider side of <see cref="ZespanEvent"/>: the raw capture parsed on the export thread.</summary>
internal sealed partial class ZespanEvent
{
    /// <summary>
    /// Gets or sets what an instrumentation handler captured and has not parsed yet. The
    /// <see cref="ProviderExchangeProcessor"/> turns it into fields on the export thread and disposes it.
    /// Not serialized (internal).
    /// </summary>
    internal ProviderExchange? PendingExchange { get; set; }

    /// <summary>Gets or sets a value indicating whether the GenAI metrics of this call were already recorded (on the caller's path, with its activity).</summary>
    internal bool MetricsRecorded { get; set; }

    /// <summary>Gets or sets the activity mirroring this span while it is open (only when something listens).</summary>
    internal System.Diagnostics.Activity? Activity { get; set; }
}
