using Zespan.Extensions.Configuration.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// The <see cref="IZespanClient"/> an app gets when Zespan is enabled: each call goes to the component that owns
/// it, <see cref="FlushAsync"/> to the <see cref="ExportWorker"/> and <see cref="RefreshConfigAsync"/> to the
/// <see cref="RemoteConfigPoller"/>. Neither throws.
/// </summary>
internal sealed class ZespanClient(ExportWorker worker, RemoteConfigPoller remoteConfig) : IZespanClient
{
    /// <summary>Gets the export worker behind <see cref="FlushAsync"/>.</summary>
    public ExportWorker Worker => worker;

    /// <inheritdoc/>
    public Task<bool> FlushAsync(CancellationToken cancellationToken = default) => worker.FlushAsync(cancellationToken);

    /// <inheritdoc/>
    public Task RefreshConfigAsync(CancellationToken cancellationToken = default) => remoteConfig.RefreshAsync(cancellationToken);
}
