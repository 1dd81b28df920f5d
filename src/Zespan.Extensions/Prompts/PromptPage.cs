namespace Zespan.Extensions;

/// <summary>One page of prompt versions, from <see cref="IPromptClient.ListAsync"/>.</summary>
public sealed class PromptPage
{
    /// <summary>Gets the prompt versions on this page.</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<Prompt> Data { get; init; } = [];

    /// <summary>Gets the page number, from 1.</summary>
    public int Page { get; init; }

    /// <summary>Gets the most versions per page.</summary>
    public int Limit { get; init; }

    /// <summary>Gets the number of versions matching the filters, over all pages.</summary>
    public int Total { get; init; }
}
