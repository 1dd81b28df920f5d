namespace Zespan.Extensions;

/// <summary>
/// One condition an event must match to be exported. All filters in
/// <see cref="ZespanOptions.ExportFilters"/> are ANDed together.
/// </summary>
public sealed class ExportFilter
{
    /// <summary>Gets or sets the wire field name: a top-level event field (<c>status_code</c>, <c>model</c>), <c>tags.X</c> or <c>metadata.X</c>.</summary>
    public string Field { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the operator: <c>eq</c> (or empty), <c>not</c>, <c>gt</c>, <c>gte</c>, <c>lt</c>, <c>lte</c>,
    /// <c>contains</c>, <c>icontains</c>, <c>startswith</c>, <c>endswith</c>, <c>regex</c>, <c>in</c>, <c>not_in</c>,
    /// <c>empty</c>, <c>not_empty</c>.
    /// </summary>
    /// <value>The default is empty, which means <c>eq</c>.</value>
    public string? Operator { get; set; }

    /// <summary>Gets or sets the value compared with (numbers compare as numbers when both sides parse).</summary>
    public string? Value { get; set; }

    /// <summary>Gets the values of the <c>in</c> and <c>not_in</c> operators.</summary>
    public IList<string> Values { get; } = new List<string>();
}
