using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Reads one property of the anonymous-shaped payloads the runtime writes to a <see cref="System.Diagnostics.DiagnosticListener"/>
/// (their types are private: <c>ActivityStartData.Request</c>, <c>ActivityStopData.Response</c>, ...). The getter of each
/// payload type is made once, as a <see cref="MethodInvoker"/>, and the last one used is kept at hand, so a read is a
/// type check and an invoke, with no allocation for a reference-typed property.
/// </summary>
internal sealed class DiagnosticPayloadProperty(string name)
{
    private readonly ConcurrentDictionary<Type, Getter> _byType = new();
    private volatile Getter? _getter;

    /// <summary>Gets the property's value; null when the payload is null or has no such readable property.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "System.Net.Http writes its diagnostic payloads with DynamicallyAccessedMembers(PublicProperties), so their public properties survive trimming; a property that did not reads as null and the call is not captured.")]
    public object? Get(object? payload)
    {
        if (payload is null)
        {
            return null;
        }

        var type = payload.GetType();
        var getter = _getter;
        if (getter is null || getter.Type != type)
        {
            getter = _byType.GetOrAdd(type, static (t, property) => Create(t, property), name);
            _getter = getter;
        }

        return getter.Invoker?.Invoke(payload);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "See Get: the runtime keeps the public properties of its payload types.")]
    private static Getter Create(Type type, string property)
    {
        var method = type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance)?.GetMethod;
        return new Getter(type, method is null ? null : MethodInvoker.Create(method));
    }

    private sealed record Getter(Type Type, MethodInvoker? Invoker);
}
