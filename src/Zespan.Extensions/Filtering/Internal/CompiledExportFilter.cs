using System.Text.RegularExpressions;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Filtering.Internal;

/// <summary>
/// One compiled <see cref="ExportFilter"/>: the field resolved, the value parsed as a number once, the regex
/// built once.
/// </summary>
/// <remarks>
/// <para>
/// Comparisons: when both the field's value and the filter's value parse as numbers (invariant culture) they
/// compare as numbers (<c>200</c> equals <c>200.0</c>), otherwise as strings, ordinal (case-sensitive;
/// <c>icontains</c> ignores case). Booleans read as <c>true</c> / <c>false</c>.
/// </para>
/// <para>
/// A missing field (or JSON null) reads as the empty string for <c>eq</c>, <c>not</c>, <c>in</c>,
/// <c>not_in</c>, <c>empty</c> and <c>not_empty</c> (so <c>eq</c> with an empty Value matches it), and never
/// matches <c>gt</c>, <c>gte</c>, <c>lt</c>, <c>lte</c>, <c>contains</c>, <c>icontains</c>, <c>startswith</c>,
/// <c>endswith</c> or <c>regex</c>. A regex that times out counts as not matching.
/// </para>
/// </remarks>
internal sealed class CompiledExportFilter
{
    private readonly Target _value;
    private readonly Target[] _values;
    private readonly Regex? _regex;
    private int _timeoutLogged;

    public CompiledExportFilter(int index, EventField field, FilterOperator op, string? value, IEnumerable<string>? values)
    {
        ArgumentNullException.ThrowIfNull(field);
        Index = index;
        Field = field;
        Operator = op;
        _value = new Target(value ?? string.Empty);
        _values = values is null ? [] : [.. values.Where(static v => v is not null).Select(static v => new Target(v))];
        if (op == FilterOperator.Regex)
        {
            _regex = new Regex(value ?? string.Empty, RegexOptions.CultureInvariant, ExportFilterCompiler.RegexTimeout);
        }
    }

    /// <summary>Gets the filter's position in <see cref="ZespanOptions.ExportFilters"/>.</summary>
    public int Index { get; }

    public EventField Field { get; }

    public FilterOperator Operator { get; }

    /// <summary>Evaluates the filter on an event.</summary>
    /// <param name="item">The event.</param>
    /// <param name="regexTimedOut">Set when a <c>regex</c> filter ran out of time (the event then does not match).</param>
    public bool Matches(ZespanEvent item, out bool regexTimedOut)
    {
        regexTimedOut = false;
        var value = Field.Read(item);
        switch (Operator)
        {
            case FilterOperator.Empty:
                return value.IsEmpty;
            case FilterOperator.NotEmpty:
                return !value.IsEmpty;
            case FilterOperator.Eq:
                return AreEqual(value, _value);
            case FilterOperator.Not:
                return !AreEqual(value, _value);
            case FilterOperator.In:
                return IsIn(value);
            case FilterOperator.NotIn:
                return !IsIn(value);
        }

        if (value.IsMissing)
        {
            return false;
        }

        switch (Operator)
        {
            case FilterOperator.Gt:
                return Compare(value, _value) > 0;
            case FilterOperator.Gte:
                return Compare(value, _value) >= 0;
            case FilterOperator.Lt:
                return Compare(value, _value) < 0;
            case FilterOperator.Lte:
                return Compare(value, _value) <= 0;
            case FilterOperator.Contains:
                return value.AsText().Contains(_value.Text, StringComparison.Ordinal);
            case FilterOperator.IContains:
                return value.AsText().Contains(_value.Text, StringComparison.OrdinalIgnoreCase);
            case FilterOperator.StartsWith:
                return value.AsText().StartsWith(_value.Text, StringComparison.Ordinal);
            case FilterOperator.EndsWith:
                return value.AsText().EndsWith(_value.Text, StringComparison.Ordinal);
            case FilterOperator.Regex:
                try
                {
                    return _regex!.IsMatch(value.AsText());
                }
                catch (RegexMatchTimeoutException)
                {
                    regexTimedOut = true;
                    return false;
                }

            default:
                return false;
        }
    }

    /// <summary>Returns true the first time only: a regex timeout of this filter is logged once.</summary>
    public bool ShouldLogTimeout() => Interlocked.Exchange(ref _timeoutLogged, 1) == 0;

    private static bool AreEqual(FieldValue value, Target target)
    {
        if (value.IsMissing)
        {
            return target.Text.Length == 0;
        }

        if (target.Number is { } number && value.TryGetNumber(out var actual))
        {
            return actual == number;
        }

        return string.Equals(value.AsText(), target.Text, StringComparison.Ordinal);
    }

    private static int Compare(FieldValue value, Target target)
    {
        if (target.Number is { } number && value.TryGetNumber(out var actual))
        {
            return actual.CompareTo(number);
        }

        return string.CompareOrdinal(value.AsText(), target.Text);
    }

    private bool IsIn(FieldValue value)
    {
        foreach (var target in _values)
        {
            if (AreEqual(value, target))
            {
                return true;
            }
        }

        return false;
    }

    private readonly struct Target
    {
        public Target(string text)
        {
            Text = text;
            Number = ExportFilterCompiler.TryParseNumber(text, out var number) ? number : null;
        }

        public string Text { get; }

        public double? Number { get; }
    }
}
