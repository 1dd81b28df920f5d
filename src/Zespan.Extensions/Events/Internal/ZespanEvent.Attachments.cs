using System.Diagnostics;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// The instrumentation side of <see cref="ZespanEvent"/>: what is attached to an event between its start and its
/// export. The three states never coexist, so they share one field (a span stays within its allocation budget).
/// </summary>
internal sealed partial class ZespanEvent
{
    private static readonly object MetricsRecordedMarker = new();

    // A ProviderExchange (a capture waiting to be parsed), an Activity (an open span mirrored for OpenTelemetry),
    // MetricsRecordedMarker (the GenAI metrics were recorded on the caller's path), or null.
    private object? _attachment;

    /// <summary>
    /// Gets or sets what an instrumentation handler captured and has not parsed yet. The
    /// <see cref="ProviderExchangeProcessor"/> turns it into fields on the export thread and disposes it.
    /// </summary>
    internal ProviderExchange? PendingExchange
    {
        get => _attachment as ProviderExchange;
        set => _attachment = value;
    }

    /// <summary>Gets or sets the activity mirroring this span while it is open (only when something listens).</summary>
    internal Activity? Activity
    {
        get => _attachment as Activity;
        set => _attachment = value;
    }

    /// <summary>Gets or sets a value indicating whether the GenAI metrics of this call were already recorded (on the caller's path, with its activity).</summary>
    internal bool MetricsRecorded
    {
        get => ReferenceEquals(_attachment, MetricsRecordedMarker);
        set
        {
            if (value)
            {
                _attachment = MetricsRecordedMarker;
            }
            else if (ReferenceEquals(_attachment, MetricsRecordedMarker))
            {
                _attachment = null;
            }
        }
    }
}
