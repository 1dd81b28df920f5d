namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The configured endpoints of one options snapshot (<see cref="ZespanOptions.ProviderEndpoints"/>, then
/// <see cref="ZespanOptions.LiteLlmHosts"/>), parsed once so that matching a request is a few span comparisons
/// with no allocation. Entries that do not parse are left out (validation reports them when the host starts).
/// </summary>
internal sealed class ProviderEndpointTable
{
    private readonly Entry[] _entries;

    private ProviderEndpointTable(Entry[] entries) => _entries = entries;

    /// <summary>Gets a table with no entries (the built-in hosts only).</summary>
    public static ProviderEndpointTable Empty { get; } = new([]);

    /// <summary>Gets the number of entries.</summary>
    public int Count => _entries.Length;

    /// <summary>Compiles the endpoints of an options snapshot.</summary>
    public static ProviderEndpointTable From(ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return From(options.ProviderEndpoints, options.LiteLlmHosts);
    }

    /// <summary>Compiles configured endpoints and LiteLLM hosts (in that order).</summary>
    public static ProviderEndpointTable From(IEnumerable<ProviderEndpoint>? endpoints, IEnumerable<string>? liteLlmHosts)
    {
        var entries = new List<Entry>();
        foreach (var endpoint in endpoints ?? [])
        {
            if (endpoint is not null
                && HostPattern.TryParse(endpoint.Host, allowUrl: false, out var pattern)
                && TryNormalizePathPrefix(endpoint.PathPrefix, out var prefix)
                && Enum.IsDefined(endpoint.Provider))
            {
                var label = string.IsNullOrWhiteSpace(endpoint.ProviderName) ? null : endpoint.ProviderName.Trim();
                entries.Add(new Entry(pattern, prefix, endpoint.Provider, label));
            }
        }

        foreach (var host in liteLlmHosts ?? [])
        {
            if (HostPattern.TryParse(host, allowUrl: true, out var pattern))
            {
                entries.Add(new Entry(pattern, null, ZespanProvider.LiteLlm, null));
            }
        }

        return entries.Count == 0 ? Empty : new ProviderEndpointTable([.. entries]);
    }

    /// <summary>The configured entry for a request's host, port and path, if any.</summary>
    /// <param name="host">The request's host (no trailing dot).</param>
    /// <param name="port">The request's port (-1 when unknown).</param>
    /// <param name="path">The request's path (up to the query), or empty when unknown.</param>
    /// <param name="detected">The match.</param>
    public bool TryMatch(ReadOnlySpan<char> host, int port, ReadOnlySpan<char> path, out DetectedProvider detected)
    {
        var entries = _entries;
        for (var i = 0; i < entries.Length; i++)
        {
            ref readonly var entry = ref entries[i];
            if (entry.Host.Matches(host, port) && (entry.PathPrefix is null || PathStartsWith(path, entry.PathPrefix)))
            {
                detected = new DetectedProvider(entry.Provider, entry.Label);
                return true;
            }
        }

        detected = default;
        return false;
    }

    /// <summary>Whether a <see cref="ProviderEndpoint.PathPrefix"/> is absent or usable (starts with <c>/</c>, no query).</summary>
    internal static bool TryNormalizePathPrefix(string? value, out string? prefix)
    {
        prefix = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        var trimmed = value.Trim().TrimEnd('/');
        if (!value.TrimStart().StartsWith('/') || trimmed.AsSpan().IndexOfAny('?', '#') >= 0 || trimmed.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }

        prefix = trimmed.Length == 0 ? null : trimmed; // "/" is every path
        return true;
    }

    private static bool PathStartsWith(ReadOnlySpan<char> path, string prefix) =>
        path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/');

    private readonly record struct Entry(HostPattern Host, string? PathPrefix, ZespanProvider Provider, string? Label);
}
