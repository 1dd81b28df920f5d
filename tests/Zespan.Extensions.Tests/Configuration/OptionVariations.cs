using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Zespan.Extensions.Tests.Configuration;

/// <summary>One way to change one value of <see cref="ZespanOptions"/>, named by its path (<c>ModelOverrides[0].Provider</c>).</summary>
/// <param name="Path">The property path.</param>
/// <param name="Apply">Changes that value on an options object made by <see cref="OptionVariations.Seeded"/>.</param>
internal sealed record OptionVariation(string Path, Action<ZespanOptions> Apply);

/// <summary>
/// Finds, by reflection, every public property of <see cref="ZespanOptions"/> and of the option types it
/// holds (list elements such as <see cref="ModelOverride"/>, nested objects), and for each one a change:
/// a settable value set to a different value, a list or dictionary given one more item and its first item
/// changed. A property of a shape it cannot change is listed in <see cref="Unsupported"/>, which a test
/// keeps empty: a property added later is covered or fails, never skipped.
/// </summary>
internal static class OptionVariations
{
    private const string SeedKey = "seed-key";

    static OptionVariations()
    {
        var variations = new List<OptionVariation>();
        var unsupported = new List<string>();
        Walk(typeof(ZespanOptions), string.Empty, static o => o, variations, unsupported, depth: 0);
        All = variations;
        Unsupported = unsupported;
    }

    /// <summary>Gets every variation, one or more per property.</summary>
    public static IReadOnlyList<OptionVariation> All { get; }

    /// <summary>Gets the paths of properties no variation could be made for, with the reason.</summary>
    public static IReadOnlyList<string> Unsupported { get; }

    /// <summary>Gets the paths of <see cref="All"/>, as xunit theory data.</summary>
    public static IEnumerable<object[]> Paths => All.Select(v => new object[] { v.Path });

    /// <summary>Gets the variation of <paramref name="path"/>.</summary>
    public static OptionVariation Get(string path) => All.Single(v => v.Path == path);

    /// <summary>
    /// Creates the options every variation starts from: the defaults, with one item in every list (itself
    /// seeded) and one entry in every dictionary, so a change of an item's property has an item to change.
    /// </summary>
    public static ZespanOptions Seeded()
    {
        var options = new ZespanOptions();
        Seed(options, depth: 0);
        return options;
    }

    /// <summary>Creates <see cref="Seeded"/> options with every variation applied.</summary>
    public static ZespanOptions EveryValueChanged()
    {
        var options = Seeded();
        foreach (var variation in All)
        {
            variation.Apply(options);
        }

        return options;
    }

    private static IEnumerable<PropertyInfo> PropertiesOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
            .OrderBy(p => p.MetadataToken);

    private static void Walk(Type type, string prefix, Func<ZespanOptions, object> target, List<OptionVariation> variations, List<string> unsupported, int depth)
    {
        if (depth > 4)
        {
            unsupported.Add($"{prefix}: nested deeper than the test walks");
            return;
        }

        foreach (var property in PropertiesOf(type))
        {
            var path = prefix + property.Name;
            var propertyType = property.PropertyType;
            if (IsScalar(propertyType))
            {
                if (property.SetMethod is null)
                {
                    unsupported.Add($"{path}: a get-only {propertyType.Name} (computed?) cannot be set; teach OptionVariations how to change it");
                    continue;
                }

                variations.Add(new OptionVariation(path, o =>
                {
                    var owner = target(o);
                    property.SetValue(owner, Different(propertyType, property.GetValue(owner)));
                }));
            }
            else if (ListElementType(propertyType) is { } element)
            {
                WalkList(property, path, element, target, variations, unsupported, depth);
            }
            else if (DictionaryTypes(propertyType) is { } kv)
            {
                if (!IsScalar(kv.Key) || !IsScalar(kv.Value))
                {
                    unsupported.Add($"{path}: a dictionary of {kv.Key.Name} to {kv.Value.Name}");
                    continue;
                }

                variations.Add(new OptionVariation(path + " (one more entry)", o =>
                    ((IDictionary)property.GetValue(target(o))!).Add(Different(kv.Key, Sample(kv.Key))!, Different(kv.Value, Sample(kv.Value)))));
                variations.Add(new OptionVariation(path + "[" + SeedKey + "]", o =>
                {
                    var dictionary = (IDictionary)property.GetValue(target(o))!;
                    var key = dictionary.Keys.Cast<object>().First();
                    dictionary[key] = Different(kv.Value, dictionary[key]);
                }));
            }
            else if (IsOptionObject(propertyType))
            {
                Walk(propertyType, path + ".", o => property.GetValue(target(o))!, variations, unsupported, depth + 1);
            }
            else
            {
                unsupported.Add($"{path}: a {propertyType.Name}; teach OptionVariations how to change it");
            }
        }
    }

    private static void WalkList(PropertyInfo property, string path, Type element, Func<ZespanOptions, object> target, List<OptionVariation> variations, List<string> unsupported, int depth)
    {
        var add = typeof(ICollection<>).MakeGenericType(element).GetMethod(nameof(ICollection<int>.Add))!;
        var item = typeof(IList<>).MakeGenericType(element).GetProperty("Item")!;
        if (IsScalar(element))
        {
            variations.Add(new OptionVariation(path + " (one more item)", o => add.Invoke(property.GetValue(target(o)), [Different(element, Sample(element))])));
            variations.Add(new OptionVariation(path + "[0]", o =>
            {
                var list = property.GetValue(target(o))!;
                item.SetValue(list, Different(element, item.GetValue(list, [0])), [0]);
            }));
        }
        else if (IsOptionObject(element))
        {
            variations.Add(new OptionVariation(path + " (one more item)", o => add.Invoke(property.GetValue(target(o)), [NewSeeded(element)])));
            Walk(element, path + "[0].", o => item.GetValue(property.GetValue(target(o)), [0])!, variations, unsupported, depth + 1);
        }
        else
        {
            unsupported.Add($"{path}: a list of {element.Name}");
        }
    }

    private static void Seed(object options, int depth)
    {
        if (depth > 4)
        {
            return;
        }

        foreach (var property in PropertiesOf(options.GetType()))
        {
            var value = property.GetValue(options);
            var type = property.PropertyType;
            if (ListElementType(type) is { } element)
            {
                if (value is null || ((IEnumerable)value).Cast<object?>().Any())
                {
                    continue;
                }

                var add = typeof(ICollection<>).MakeGenericType(element).GetMethod(nameof(ICollection<int>.Add))!;
                add.Invoke(value, [IsScalar(element) ? Sample(element) : NewSeeded(element, depth + 1)]);
            }
            else if (DictionaryTypes(type) is { } kv && value is IDictionary dictionary && dictionary.Count == 0 && IsScalar(kv.Key) && IsScalar(kv.Value))
            {
                dictionary.Add(kv.Key == typeof(string) ? SeedKey : Sample(kv.Key)!, Sample(kv.Value));
            }
            else if (!IsScalar(type) && IsOptionObject(type))
            {
                if (value is null && property.SetMethod is not null)
                {
                    value = Activator.CreateInstance(type)!;
                    property.SetValue(options, value);
                }

                if (value is not null)
                {
                    Seed(value, depth + 1);
                }
            }
        }
    }

    private static object NewSeeded(Type type, int depth = 0)
    {
        var value = Activator.CreateInstance(type)!;
        Seed(value, depth);
        return value;
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(Uri) || type == typeof(DateTimeOffset) || type == typeof(Guid);
    }

    private static bool IsOptionObject(Type type) =>
        type.IsClass && !typeof(IEnumerable).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null
        && type.Namespace?.StartsWith("Zespan.", StringComparison.Ordinal) == true;

    private static Type? ListElementType(Type type) =>
        GenericInterface(type, typeof(IList<>))?.GetGenericArguments()[0];

    private static (Type Key, Type Value)? DictionaryTypes(Type type) =>
        GenericInterface(type, typeof(IDictionary<,>)) is { } dictionary
            ? (dictionary.GetGenericArguments()[0], dictionary.GetGenericArguments()[1])
            : null;

    private static Type? GenericInterface(Type type, Type definition) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == definition
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);

    /// <summary>A value of a scalar type, for seeding.</summary>
    private static object? Sample(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) ? "seed"
            : type == typeof(Uri) ? new Uri("https://seed.example/")
            : type.IsEnum ? Enum.GetValues(type).GetValue(0)
            : Activator.CreateInstance(type);
    }

    /// <summary>A value of <paramref name="type"/> that differs from <paramref name="current"/>.</summary>
    private static object? Different(Type type, object? current)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Different(underlying, current ?? Activator.CreateInstance(underlying));
        }

        return current switch
        {
            bool b => !b,
            int i => i == int.MaxValue ? i - 1 : i + 1,
            long l => l == long.MaxValue ? l - 1 : l + 1,
            double d => double.IsFinite(d) ? d + 0.125 : 0.5,
            float f => float.IsFinite(f) ? f + 0.125f : 0.5f,
            decimal m => m + 0.5m,
            TimeSpan t => t + TimeSpan.FromSeconds(1),
            DateTimeOffset t => t + TimeSpan.FromSeconds(1),
            Guid => Guid.NewGuid(),
            string s => s + "-changed",
            Uri u => new Uri(u, "changed/"),
            Enum e => Enum.GetValues(type).Cast<object>().FirstOrDefault(v => !v.Equals(e))
                ?? throw new InvalidOperationException($"{type.Name} has one value only: nothing to change it to."),
            null when type == typeof(string) => "changed",
            null when type == typeof(Uri) => new Uri("https://changed.example/"),
            _ => throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"No different value known for {type.Name} {current}.")),
        };
    }
}
