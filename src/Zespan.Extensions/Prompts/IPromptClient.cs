namespace Zespan.Extensions;

/// <summary>
/// Fetches, caches, creates, relabels and compiles versioned prompts stored in Zespan.
/// Registered as a singleton by <c>AddZespan</c>; inject it where prompts are needed.
/// </summary>
/// <remarks>
/// <para>
/// Fetched prompts are cached per name and label or version for <see cref="ZespanOptions.PromptCacheTtl"/>.
/// After that time a cached prompt is still returned at once while a fresh copy is fetched in the
/// background (stale-while-revalidate); a refresh that fails keeps the stale prompt, and a refresh
/// answered 404 removes it. Concurrent fetches of one prompt make one HTTP request. The cache holds at most
/// <see cref="ZespanOptions.PromptCacheMaxEntries"/> prompts, evicting the least recently used.
/// </para>
/// <para>
/// When <see cref="ZespanOptions.Enabled"/> is <see langword="false"/>, the overload with a fallback
/// returns the fallback, every other call that needs the backend fails with an
/// <see cref="InvalidOperationException"/>, and <see cref="Compile"/> and <see cref="CompileChat"/> work as usual.
/// </para>
/// </remarks>
public interface IPromptClient
{
    /// <summary>
    /// Gets a prompt by label or version, from the cache when it holds one.
    /// </summary>
    /// <param name="name">The prompt's name.</param>
    /// <param name="label">The label to fetch; <c>production</c> when neither a label nor a version is given.</param>
    /// <param name="version">The version to fetch. Give a label or a version, not both.</param>
    /// <param name="cancellationToken">Stops this caller's wait; a fetch shared with other callers goes on for them.</param>
    /// <returns>The prompt.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or both <paramref name="label"/> and <paramref name="version"/> are given.</exception>
    /// <exception cref="PromptNotFoundException">The backend has no such prompt, label or version.</exception>
    /// <exception cref="ZespanApiException">The backend could not be reached or answered with an error.</exception>
    /// <exception cref="InvalidOperationException">Zespan is disabled (<see cref="ZespanOptions.Enabled"/> is <see langword="false"/>).</exception>
    Task<Prompt> GetAsync(string name, string? label = null, int? version = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets a prompt by label or version, or <paramref name="fallback"/> (marked <see cref="Prompt.IsFallback"/>)
    /// when nothing is cached and the fetch fails, so the app keeps working while Zespan is unreachable.
    /// </summary>
    /// <param name="name">The prompt's name.</param>
    /// <param name="fallback">The prompt used when none can be had from the cache or the backend.</param>
    /// <param name="label">The label to fetch; <c>production</c> when neither a label nor a version is given.</param>
    /// <param name="version">The version to fetch. Give a label or a version, not both.</param>
    /// <param name="cancellationToken">Stops this caller's wait; cancelling it throws rather than returning the fallback.</param>
    /// <returns>The prompt, or a copy of <paramref name="fallback"/> with <see cref="Prompt.IsFallback"/> set.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or both <paramref name="label"/> and <paramref name="version"/> are given.</exception>
    Task<Prompt> GetAsync(string name, Prompt fallback, string? label = null, int? version = null, CancellationToken cancellationToken = default);

    /// <summary>Lists prompt versions, optionally only those of one name or carrying one label.</summary>
    /// <param name="name">Only versions of this prompt; all prompts when <see langword="null"/>.</param>
    /// <param name="label">Only versions carrying this label; any when <see langword="null"/>.</param>
    /// <param name="page">The page, from 1.</param>
    /// <param name="limit">The most versions per page, from 1.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>One page of prompt versions and the total count.</returns>
    /// <exception cref="ZespanApiException">The backend could not be reached or answered with an error.</exception>
    Task<PromptPage> ListAsync(string? name = null, string? label = null, int page = 1, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a new version of a prompt (the previous highest version + 1), moving the labels it is given
    /// to it. Cached entries of that prompt are dropped.
    /// </summary>
    /// <param name="request">The prompt to create.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The created prompt version.</returns>
    /// <exception cref="ArgumentException">The request is incomplete: no name, no text for a text prompt, no messages for a chat prompt.</exception>
    /// <exception cref="ZespanApiException">The backend could not be reached or rejected the request.</exception>
    Task<Prompt> CreateAsync(CreatePromptRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the labels of one prompt version. The list replaces the version's labels; a label names one
    /// version per prompt, so a label given here moves from any other version. Cached entries of that prompt are dropped.
    /// </summary>
    /// <param name="name">The prompt's name.</param>
    /// <param name="version">The version to label.</param>
    /// <param name="labels">The version's new labels (empty removes them all).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The prompt version with its new labels.</returns>
    /// <exception cref="PromptNotFoundException">The prompt or version does not exist.</exception>
    /// <exception cref="ZespanApiException">The backend could not be reached or rejected the request.</exception>
    Task<Prompt> UpdateLabelsAsync(string name, int version, IEnumerable<string> labels, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fills the <c>{{ variable }}</c> placeholders of a text prompt. Values are formatted with the invariant
    /// culture; a <see langword="null"/> value becomes an empty string; variables the template does not use are ignored.
    /// </summary>
    /// <param name="prompt">A text prompt.</param>
    /// <param name="variables">The values by variable name.</param>
    /// <returns>The compiled text.</returns>
    /// <exception cref="PromptCompilationException">The template needs variables that <paramref name="variables"/> lacks; all of them are named.</exception>
    /// <exception cref="ArgumentException"><paramref name="prompt"/> is a chat prompt.</exception>
    string Compile(Prompt prompt, IReadOnlyDictionary<string, object?> variables);

    /// <summary>
    /// Fills the <c>{{ variable }}</c> placeholders in the content of every message of a chat prompt,
    /// with the same rules as <see cref="Compile"/>.
    /// </summary>
    /// <param name="prompt">A chat prompt.</param>
    /// <param name="variables">The values by variable name.</param>
    /// <returns>The compiled messages, in order.</returns>
    /// <exception cref="PromptCompilationException">The messages need variables that <paramref name="variables"/> lacks; all of them are named.</exception>
    /// <exception cref="ArgumentException"><paramref name="prompt"/> is a text prompt.</exception>
    IReadOnlyList<PromptMessage> CompileChat(Prompt prompt, IReadOnlyDictionary<string, object?> variables);

    /// <summary>Empties the prompt cache; the next <c>GetAsync</c> of every prompt fetches it again.</summary>
    void ClearCache();
}
