namespace Zespan.Testing.Contract;

/// <summary>
/// A server of the Zespan HTTP API that <see cref="ZespanApiContractTests"/> runs against (the fake backend, the dev
/// server): its address and key, and the few things a test must set or read beside the wire.
/// </summary>
public interface IContractServer : IAsyncDisposable
{
    /// <summary>Gets the base URL (<c>http://127.0.0.1:PORT/</c>).</summary>
    Uri BaseUrl { get; }

    /// <summary>Gets a key the server accepts.</summary>
    string ApiKey { get; }

    /// <summary>Replaces the remote configuration rules of <paramref name="environment"/> (a JSON array), bumping its version.</summary>
    Task SetRulesAsync(string environment, string rulesJson);

    /// <summary>Gets how many events of <paramref name="traceId"/> the server stored.</summary>
    Task<int> StoredEventCountAsync(string traceId);

    /// <summary>Gets the <c>dropped_since_last</c> the server recorded for <paramref name="batchId"/>, or null when it stored no such batch.</summary>
    Task<long?> DroppedSinceLastAsync(string batchId);
}
