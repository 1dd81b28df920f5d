using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Holds the remote configuration in force, swapped atomically, and signals <see cref="IOptionsMonitor{TOptions}"/>
/// (through <see cref="IOptionsChangeTokenSource{TOptions}"/>) only when the rules really changed.
/// </summary>
internal sealed class RemoteConfigStore : IOptionsChangeTokenSource<ZespanOptions>
{
    private readonly object _gate = new();
    private volatile RemoteConfigSnapshot _current = RemoteConfigSnapshot.None;
    private CancellationTokenSource _changeSource = new();
    private CancellationChangeToken _token;

    public RemoteConfigStore()
    {
        _token = new CancellationChangeToken(_changeSource.Token);
    }

    /// <summary>Gets the snapshot in force (never null; <see cref="RemoteConfigSnapshot.None"/> before any).</summary>
    public RemoteConfigSnapshot Current => _current;

    /// <inheritdoc/>
    public string Name => Options.DefaultName;

    /// <inheritdoc/>
    public IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return _token;
        }
    }

    /// <summary>Lays a new snapshot in; signals a change only when its rules differ from the current ones.</summary>
    /// <returns><see langword="true"/> when the rules changed.</returns>
    public bool Update(RemoteConfigSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        CancellationTokenSource fired;
        lock (_gate)
        {
            if (_current.SameRulesAs(snapshot))
            {
                // Same rules: keep the new ETag without a change notification.
                _current = snapshot;
                return false;
            }

            _current = snapshot;
            fired = _changeSource;
            _changeSource = new CancellationTokenSource();
            _token = new CancellationChangeToken(_changeSource.Token);
        }

        try
        {
            fired.Cancel();
        }
        catch (AggregateException)
        {
            // A change callback threw; the options monitor logs its own failures. Never break the poller.
        }
        finally
        {
            fired.Dispose();
        }

        return true;
    }
}

/// <summary>Lays the remote rules over the local options: removing a rule restores the local value.</summary>
internal sealed class RemoteConfigPostConfigure(RemoteConfigStore store) : IPostConfigureOptions<ZespanOptions>
{
    public void PostConfigure(string? name, ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DisableConfigSync)
        {
            return;
        }

        var remote = store.Current;
        if (remote.Version is null)
        {
            return;
        }

        options.RemoteConfigVersion = remote.Version;
        if (remote.SampleRate is { } rate)
        {
            options.SampleRate = rate;
        }

        if (remote.DisableTracing is { } disable)
        {
            options.DisableTracing = disable;
        }

        if (remote.Debug is { } debug)
        {
            options.Debug = debug;
        }

        MergeKeys(options.RedactKeys, remote.RedactKeys);

        // model_price: ahead of the local prices (the lookup tries remote entries first); removing the rule restores them.
        for (var i = remote.ModelPrices.Count - 1; i >= 0; i--)
        {
            options.ModelPrices.Insert(0, remote.ModelPrices[i]);
        }

        foreach (var modelOverride in remote.ModelOverrides)
        {
            options.ModelOverrides.Add(modelOverride);
        }

        // The app opted out of text leaving the process: remote guardrail_enable rules are ignored.
        if (options.StorePrompts)
        {
            foreach (var rule in remote.GuardrailRules)
            {
                options.GuardrailRules.Add(rule);
            }
        }
    }

    /// <summary>Adds the remote keys the local list does not hold yet, in order: linear (one pass over each list).</summary>
    internal static void MergeKeys(IList<string> local, IReadOnlyList<string> remote)
    {
        if (remote.Count == 0)
        {
            return;
        }

        var present = new HashSet<string>(local, StringComparer.Ordinal);
        foreach (var key in remote)
        {
            if (present.Add(key))
            {
                local.Add(key);
            }
        }
    }
}
