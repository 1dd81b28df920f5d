using System.Diagnostics;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Diagnostics.Internal;

/// <summary>
/// The event fields <see cref="ZespanOptions.MetricTagAllowList"/> lets onto <c>gen_ai.client.token.usage</c> and
/// <c>zespan.cost</c>, compiled once per options snapshot. <c>customer_identifier</c> adds the scope's user id as
/// <c>zespan.customer_params.customer_identifier</c>; any other entry names a tag (<c>team</c> or <c>tags.team</c>),
/// added as <c>zespan.tags.team</c> when the event has it. Empty (the default): no per-user or per-tag dimension.
/// </summary>
internal sealed class MetricTagSelector
{
    /// <summary>The allow-list entry for the user id.</summary>
    public const string CustomerIdentifier = "customer_identifier";

    public static readonly MetricTagSelector None = new(includeCustomer: false, []);

    private readonly bool _includeCustomer;
    private readonly string[] _tagKeys;
    private readonly string[] _tagNames;

    private MetricTagSelector(bool includeCustomer, string[] tagKeys)
    {
        _includeCustomer = includeCustomer;
        _tagKeys = tagKeys;
        _tagNames = Array.ConvertAll(tagKeys, static key => GenAiTelemetry.TagPrefix + key);
    }

    /// <summary>Gets a value indicating whether the selector adds nothing.</summary>
    public bool IsEmpty => !_includeCustomer && _tagKeys.Length == 0;

    /// <summary>Compiles an allow-list (blank and repeated entries are ignored).</summary>
    public static MetricTagSelector From(IList<string>? allowList)
    {
        if (allowList is null || allowList.Count == 0)
        {
            return None;
        }

        var includeCustomer = false;
        var keys = new List<string>();
        foreach (var entry in allowList)
        {
            var name = entry?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            if (string.Equals(name, CustomerIdentifier, StringComparison.OrdinalIgnoreCase))
            {
                includeCustomer = true;
                continue;
            }

            if (name.StartsWith("tags.", StringComparison.Ordinal) && name.Length > 5)
            {
                name = name[5..];
            }

            if (!keys.Contains(name, StringComparer.Ordinal))
            {
                keys.Add(name);
            }
        }

        return includeCustomer || keys.Count > 0 ? new MetricTagSelector(includeCustomer, keys.ToArray()) : None;
    }

    /// <summary>Adds the allowed fields the event has to <paramref name="tags"/>.</summary>
    public void AddTo(ref TagList tags, ZespanEvent e)
    {
        if (IsEmpty)
        {
            return;
        }

        if (_includeCustomer && e.CustomerIdentifier is { } customer)
        {
            tags.Add(GenAiTelemetry.CustomerIdentifier, customer);
        }

        if (_tagKeys.Length > 0 && e.Tags is { Count: > 0 } eventTags)
        {
            for (var i = 0; i < _tagKeys.Length; i++)
            {
                if (eventTags.TryGetValue(_tagKeys[i], out var value))
                {
                    tags.Add(_tagNames[i], value);
                }
            }
        }
    }
}
