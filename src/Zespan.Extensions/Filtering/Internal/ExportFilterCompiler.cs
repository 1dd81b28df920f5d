using System.Globalization;
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

        if (!EventField.TryResolve(filter.Field, out _))
        {
            return $"has an unknown Field '{filter.Field}'. Use a wire field name of the event (status_code, model, provider, log_type, name, environment, latency, cost, prompt_tokens, completion_tokens, total_tokens, stream, customer_identifier, ...), error.type, agent.name, tool.name, or tags.X, metadata.X, eval_scores.X.";
        }

        var op = filter.Operator?.Trim() ?? string.Empty;
        if (!Operators.Contains(op))
        {
            return $"has an unknown Operator '{op}'. Use one of: eq, not, gt, gte, lt, lte, contains, icontains, startswith, endswith, regex, in, not_in, empty, not_empty.";
        }

        var kind = ParseOperator(op);
        if (kind is FilterOperator.In or FilterOperator.NotIn && filter.Values.Count == 0)
        {
            return $"has Operator '{op}' but no Values. List the values to compare with in Values.";
        }

        if (kind is FilterOperator.Gt or FilterOperator.Gte or FilterOperator.Lt or FilterOperator.Lte or FilterOperator.Contains
            or FilterOperator.IContains or FilterOperator.StartsWith or FilterOperator.EndsWith && filter.Value is null)
        {
            return $"has Operator '{op}' but no Value. Set Value to what the field is compared with.";
        }

        if (kind == FilterOperator.Regex)
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

    /// <summary>
    /// Compiles the filters (all must match for an event to be exported). A filter that does not validate is
    /// skipped: the options validator rejects such filters when the host starts, so this only happens when
    /// validation did not run.
    /// </summary>
    public static CompiledExportFilter[] Compile(IEnumerable<ExportFilter> filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var compiled = new List<CompiledExportFilter>();
        var index = 0;
        foreach (var filter in filters)
        {
            if (filter is not null && Validate(filter) is null)
            {
                EventField.TryResolve(filter.Field, out var field);
                compiled.Add(new CompiledExportFilter(index, field!, ParseOperator(filter.Operator?.Trim() ?? string.Empty), filter.Value, filter.Values));
            }

            index++;
        }

        return [.. compiled];
    }

    /// <summary>Parses a number the way filters compare numbers: invariant culture, decimal or exponent form.</summary>
    public static bool TryParseNumber(string? text, out double number)
    {
        number = 0;
        return !string.IsNullOrWhiteSpace(text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number)
            && double.IsFinite(number);
    }

    internal static FilterOperator ParseOperator(string op) => op.ToLowerInvariant() switch
    {
        "" or "eq" => FilterOperator.Eq,
        "not" => FilterOperator.Not,
        "gt" => FilterOperator.Gt,
        "gte" => FilterOperator.Gte,
        "lt" => FilterOperator.Lt,
        "lte" => FilterOperator.Lte,
        "contains" => FilterOperator.Contains,
        "icontains" => FilterOperator.IContains,
        "startswith" => FilterOperator.StartsWith,
        "endswith" => FilterOperator.EndsWith,
        "regex" => FilterOperator.Regex,
        "in" => FilterOperator.In,
        "not_in" => FilterOperator.NotIn,
        "empty" => FilterOperator.Empty,
        "not_empty" => FilterOperator.NotEmpty,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown export filter operator."),
    };
}

/// <summary>The operators of <see cref="ExportFilter.Operator"/>.</summary>
internal enum FilterOperator
{
    Eq,
    Not,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    IContains,
    StartsWith,
    EndsWith,
    Regex,
    In,
    NotIn,
    Empty,
    NotEmpty,
}
