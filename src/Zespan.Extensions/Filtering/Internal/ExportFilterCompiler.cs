using System.Text.RegularExpressions;

namespace Zespan.Extensions.Filtering.Internal;

/// <summary>Checks and compiles <see cref="ExportFilter"/>s.</summary>
internal static partial class ExportFilterCompiler
{
    /// <summary>The time one <c>regex</c> filter may take on one value.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Every operator name, lower case (the empty string means <c>eq</c>).</summary>
    public static readonly IReadOnlySet<string> Operators = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "", "eq", "not", "gt", "gte", "lt", "lte", "contains", "icontains", "startswith", "endswith",
        "regex", "in", "not_in", "empty", "not_empty",
    };

    /// <summary>Returns null when the filter is valid, else the rest of a message naming the fix.</summary>
    public static string? Validate(ExportFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (string.IsNullOrWhiteSpace(filter.Field))
        {
            return "has no Field. Set Field to a wire field name such as status_code, model, tags.team or metadata.x.";
        }

        var op = filter.Operator ?? string.Empty;
        if (!Operators.Contains(op))
        {
            return $"has an unknown Operator '{op}'. Use one of: eq, not, gt, gte, lt, lte, contains, icontains, startswith, endswith, regex, in, not_in, empty, not_empty.";
        }

        if (string.Equals(op, "regex", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                _ = new Regex(filter.Value ?? string.Empty, RegexOptions.CultureInvariant, RegexTimeout);
            }
            catch (ArgumentException ex)
            {
                return $"has a Value that is not a valid regular expression ({ex.Message}). Fix the pattern in Value.";
            }
        }

        return null;
    }
}
