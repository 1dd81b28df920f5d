namespace Zespan.Extensions.Export.Internal;

/// <summary>Why an export is about to start; <see cref="DeliveryGate.MaySend"/> decides by it.</summary>
internal enum ExportTrigger
{
    /// <summary><c>BatchSize</c> events are waiting (the only trigger held back after a failed delivery).</summary>
    BatchReady,

    /// <summary>The <c>FlushInterval</c> timer ticked.</summary>
    Interval,

    /// <summary>The API key changed after the backend had rejected the previous one.</summary>
    KeyChanged,

    /// <summary><see cref="IZespanClient.FlushAsync"/> asked.</summary>
    Flush,

    /// <summary>The host stopped or the process is exiting.</summary>
    Drain,
}
