using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Zespan.Testing;

/// <summary>One <c>[LoggerMessage]</c> method found in an assembly.</summary>
/// <param name="Method">The method, as <c>Type.Method</c>.</param>
/// <param name="EventId">The attribute's <c>EventId</c>.</param>
/// <param name="EventName">The attribute's <c>EventName</c> (null when the method name is used).</param>
/// <param name="Level">The attribute's <c>Level</c>.</param>
public sealed record LoggerMessageInfo(string Method, int EventId, string? EventName, LogLevel Level);

/// <summary>A named <c>const int</c> of a log event-id registry class.</summary>
/// <param name="Name">The constant's name.</param>
/// <param name="Value">Its value.</param>
public sealed record LogEventIdConstant(string Name, int Value);

/// <summary>
/// Reflects over an assembly's <c>[LoggerMessage]</c> methods and its event-id registry class (an internal
/// static class of <c>const int</c>s), so each assembly's tests can check that event ids are unique and
/// all come from the registry.
/// </summary>
public static class LogEventIdAudit
{
    private const BindingFlags AllMethods = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>Gets every method of <paramref name="assembly"/> (nested types included) carrying <see cref="LoggerMessageAttribute"/>.</summary>
    public static IReadOnlyList<LoggerMessageInfo> LoggerMessages(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = [.. ex.Types.OfType<Type>()];
        }

        return
        [
            .. from type in types
               from method in type.GetMethods(AllMethods)
               let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
               where attribute is not null
               orderby attribute.EventId, type.FullName, method.Name
               select new LoggerMessageInfo($"{type.FullName}.{method.Name}", attribute.EventId, attribute.EventName, attribute.Level),
        ];
    }

    /// <summary>Gets the <c>const int</c> fields of <paramref name="registry"/>.</summary>
    public static IReadOnlyList<LogEventIdConstant> Constants(Type registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return
        [
            .. from field in registry.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
               where field.IsLiteral && field.FieldType == typeof(int)
               orderby (int)field.GetRawConstantValue()!
               select new LogEventIdConstant(field.Name, (int)field.GetRawConstantValue()!),
        ];
    }

    /// <summary>Gets one line per event id used by more than one <c>[LoggerMessage]</c> method of <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<string> DuplicateEventIds(Assembly assembly) =>
    [
        .. from message in LoggerMessages(assembly)
           group message by message.EventId into g
           where g.Count() > 1
           select $"event id {g.Key} is used by {string.Join(", ", g.Select(m => m.Method))}",
    ];

    /// <summary>Gets one line per <c>[LoggerMessage]</c> method whose event id is not a constant of <paramref name="registry"/>.</summary>
    public static IReadOnlyList<string> EventIdsMissingFromRegistry(Assembly assembly, Type registry)
    {
        var values = Constants(registry).Select(c => c.Value).ToHashSet();
        return
        [
            .. from message in LoggerMessages(assembly)
               where !values.Contains(message.EventId)
               select $"{message.Method} uses event id {message.EventId}, which is no constant of {registry.Name}",
        ];
    }

    /// <summary>Gets one line per value that more than one constant of <paramref name="registry"/> holds.</summary>
    public static IReadOnlyList<string> SharedConstantValues(Type registry) =>
    [
        .. from constant in Constants(registry)
           group constant by constant.Value into g
           where g.Count() > 1
           select $"{registry.Name}.{string.Join(", ", g.Select(c => c.Name))} share the value {g.Key}",
    ];

    /// <summary>Gets one line per constant of <paramref name="registry"/> that no <c>[LoggerMessage]</c> method uses.</summary>
    public static IReadOnlyList<string> UnusedConstants(Assembly assembly, Type registry)
    {
        var used = LoggerMessages(assembly).Select(m => m.EventId).ToHashSet();
        return
        [
            .. from constant in Constants(registry)
               where !used.Contains(constant.Value)
               select $"{registry.Name}.{constant.Name} ({constant.Value}) is used by no [LoggerMessage] method",
        ];
    }

    /// <summary>
    /// Gets one line per <c>[LoggerMessage]</c> method whose <c>EventName</c> is not the name of the registry
    /// constant holding its id (so the name a log sink shows is the one the registry and the docs use).
    /// </summary>
    public static IReadOnlyList<string> EventNamesNotFromRegistry(Assembly assembly, Type registry)
    {
        var names = Constants(registry).GroupBy(c => c.Value).ToDictionary(g => g.Key, g => g.Select(c => c.Name).ToArray());
        return
        [
            .. from message in LoggerMessages(assembly)
               where names.TryGetValue(message.EventId, out var candidates) && !candidates.Contains(message.EventName, StringComparer.Ordinal)
               select $"{message.Method} (event id {message.EventId}) has EventName '{message.EventName ?? "(none)"}'; expected {registry.Name}.{names[message.EventId][0]} (EventName = nameof({registry.Name}.{names[message.EventId][0]}))",
        ];
    }
}
