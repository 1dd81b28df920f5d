namespace Zespan.Extensions.Context.Internal;

/// <summary>
/// The merged tags of one context scope. One instance is shared by the scope and by every event started
/// inside it, so nobody writes to it after the scope is built: an event that needs to change its tags copies
/// them first (the type itself is the marker that says "shared, copy before writing").
/// </summary>
internal sealed class ScopeTagDictionary : Dictionary<string, string>
{
    public ScopeTagDictionary(int capacity)
        : base(capacity, StringComparer.Ordinal)
    {
    }
}
