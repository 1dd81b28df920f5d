using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// What <see cref="IZespanEventQueue"/> and <see cref="IZespanClient"/> resolve to when
/// <see cref="ZespanOptions.Enabled"/> is false: nothing is queued, nothing is sent, nothing runs.
/// </summary>
internal sealed class DisabledZespanExport : IZespanEventQueue, IZespanClient
{
    private static readonly Task<bool> True = Task.FromResult(true);

    private DisabledZespanExport()
    {
    }

    public static DisabledZespanExport Instance { get; } = new();

    public bool TryEnqueue(ZespanEvent item) => false;

    public Task<bool> FlushAsync(CancellationToken cancellationToken = default) => True;

    public Task RefreshConfigAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
