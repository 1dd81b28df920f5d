using System.Text.Json.Serialization;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// Source-generated serialization of <see cref="ZespanOptions"/> and everything it holds (the model
/// overrides, prices, export filters, guardrail rules, lists and dictionaries), for
/// <see cref="ZespanOptionsMonitor"/> to compare two option sets by value. Used only in memory: the output
/// holds the API key. Not a wire or file format.
/// </summary>
/// <remarks>
/// Defaults on purpose: every public property is written (nulls too), get-only collections included;
/// <see cref="TimeSpan"/>, <see cref="Uri"/>, enums (as numbers), <see cref="IList{T}"/> and
/// <see cref="IDictionary{TKey, TValue}"/> of strings are supported as they are. NaN and infinities are
/// written as literals rather than failing (validation rejects them, but <c>Enabled = false</c> skips it).
/// </remarks>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ZespanOptions))]
internal sealed partial class ZespanOptionsJsonContext : JsonSerializerContext;
