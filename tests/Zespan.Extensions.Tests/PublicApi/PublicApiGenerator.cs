using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Zespan.Extensions.Tests.PublicApi;

/// <summary>
/// Writes the public surface of an assembly as stable text (PublicApiGenerator does not restore here):
/// every public type and its public and protected members, sorted, one per line.
/// </summary>
internal static class PublicApiText
{
    public static string Generate(Assembly assembly)
    {
        var sb = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            sb.Append(Describe(type)).Append('\n');
            foreach (var member in Members(type).OrderBy(m => m, StringComparer.Ordinal))
            {
                sb.Append("    ").Append(member).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string Describe(Type type)
    {
        string kind = type switch
        {
            { IsInterface: true } => "interface",
            { IsEnum: true } => "enum",
            { IsValueType: true } => IsRecord(type) ? "record struct" : "struct",
            { IsAbstract: true, IsSealed: true } => "static class",
            _ when typeof(Delegate).IsAssignableFrom(type) => "delegate",
            _ => (type.IsSealed ? "sealed " : type.IsAbstract ? "abstract " : string.Empty) + (IsRecord(type) ? "record" : "class"),
        };
        var bases = new List<string>();
        if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
        {
            bases.Add(Name(b));
        }

        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).OrderBy(n => n, StringComparer.Ordinal));
        return $"{kind} {Name(type)}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : string.Empty);
    }

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null || type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    private static IEnumerable<string> Members(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.IsEnum)
        {
            foreach (var name in Enum.GetNames(type))
            {
                yield return $"{name} = {Convert.ToInt64(Enum.Parse(type, name), System.Globalization.CultureInfo.InvariantCulture)}";
            }

            yield break;
        }

        foreach (var c in type.GetConstructors(flags).Where(Visible))
        {
            yield return $"{Access(c)}ctor({Parameters(c)})";
        }

        foreach (var p in type.GetProperties(flags))
        {
            var get = p.GetMethod is { } g && Visible(g) ? "get; " : string.Empty;
            var set = p.SetMethod is { } s && Visible(s) ? (IsInit(s) ? "init; " : "set; ") : string.Empty;
            if (get.Length + set.Length == 0)
            {
                continue;
            }

            var isStatic = (p.GetMethod ?? p.SetMethod)!.IsStatic ? "static " : string.Empty;
            var index = p.GetIndexParameters();
            var name = index.Length > 0 ? $"this[{string.Join(", ", index.Select(i => Name(i.ParameterType) + " " + i.Name))}]" : p.Name;
            yield return $"{isStatic}{Name(p.PropertyType)} {name} {{ {get}{set}}}";
        }

        foreach (var f in type.GetFields(flags).Where(f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly))
        {
            var modifier = f.IsLiteral ? "const " : (f.IsStatic ? "static " : string.Empty) + (f.IsInitOnly ? "readonly " : string.Empty);
            yield return $"{modifier}{Name(f.FieldType)} {f.Name}";
        }

        foreach (var e in type.GetEvents(flags).Where(e => e.AddMethod is { } a && Visible(a)))
        {
            yield return $"event {Name(e.EventHandlerType!)} {e.Name}";
        }

        foreach (var m in type.GetMethods(flags).Where(m => Visible(m) && !m.IsSpecialName))
        {
            if (m.Name is "<Clone>$" || (IsRecord(type) && m.Name is "Equals" or "GetHashCode" or "ToString" or "PrintMembers" or "Deconstruct"))
            {
                continue;
            }

            var modifiers = (m.IsStatic ? "static " : string.Empty) + (m.IsAbstract && !type.IsInterface ? "abstract " : m.IsVirtual && !m.IsFinal && !type.IsInterface ? "virtual " : string.Empty);
            var ext = m.IsDefined(typeof(ExtensionAttribute)) ? "this " : string.Empty;
            var generic = m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;
            yield return $"{Access(m)}{modifiers}{Name(m.ReturnType)} {m.Name}{generic}({ext}{Parameters(m)})";
        }
    }

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Access(MethodBase m) => m.IsPublic ? string.Empty : "protected ";

    private static bool IsInit(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Parameters(MethodBase m) => string.Join(", ", m.GetParameters().Select(p =>
    {
        var prefix = p.ParameterType.IsByRef ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") : string.Empty;
        var type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
        var nullable = new NullabilityInfoContext().Create(p).WriteState == NullabilityState.Nullable && !type.IsValueType ? "?" : string.Empty;
        var defaultValue = p.HasDefaultValue ? " = " + (p.DefaultValue is null ? (type.IsValueType ? "default" : "null") : p.DefaultValue is string s ? $"\"{s}\"" : p.DefaultValue is bool bv ? (bv ? "true" : "false") : Convert.ToString(p.DefaultValue, System.Globalization.CultureInfo.InvariantCulture)) : string.Empty;
        return $"{prefix}{Name(type)}{nullable} {p.Name}{defaultValue}";
    }));

    private static string Name(Type t)
    {
        if (t.IsGenericParameter)
        {
            return t.Name;
        }

        if (Nullable.GetUnderlyingType(t) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        if (t.IsArray)
        {
            return Name(t.GetElementType()!) + "[]";
        }

        var name = t.IsNested ? Name(t.DeclaringType!) + "." + t.Name : (t.Namespace is null ? t.Name : t.Namespace + "." + t.Name);
        if (t.IsGenericType)
        {
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            if (tick >= 0)
            {
                name = name[..tick];
            }

            name += "<" + string.Join(", ", t.GetGenericArguments().Select(Name)) + ">";
        }

        return name;
    }
}

/// <summary>
/// Compares an assembly's public surface with the approved file in a test project's <c>PublicApi</c> folder
/// (shared by every test project, linked into each). With ZESPAN_UPDATE_PUBLIC_API=1 it rewrites the file.
/// </summary>
internal static class PublicApiApproval
{
    public static void Verify(Assembly assembly, string testProjectFile, string approvedFileName)
    {
        var actual = PublicApiText.Generate(assembly);
        var approvedPath = Path.Combine(FindProjectDirectory(testProjectFile), "PublicApi", approvedFileName);
        if (Environment.GetEnvironmentVariable("ZESPAN_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return;
        }

        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (approved != actual)
        {
            var receivedPath = Path.ChangeExtension(approvedPath, ".received.txt");
            File.WriteAllText(receivedPath, actual);
            var approvedLines = approved.Split('\n').ToHashSet(StringComparer.Ordinal);
            var actualLines = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
            var added = actual.Split('\n').Where(l => !approvedLines.Contains(l)).Take(20);
            var removed = approved.Split('\n').Where(l => !actualLines.Contains(l)).Take(20);
            Assert.Fail($"The public API of {assembly.GetName().Name} changed. Review {receivedPath}; if intended, rerun with ZESPAN_UPDATE_PUBLIC_API=1 and commit.\nAdded:\n  {string.Join("\n  ", added)}\nRemoved:\n  {string.Join("\n  ", removed)}");
        }
    }

    private static string FindProjectDirectory(string testProjectFile)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, testProjectFile)))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the test project directory of " + testProjectFile + ".");
    }
}
