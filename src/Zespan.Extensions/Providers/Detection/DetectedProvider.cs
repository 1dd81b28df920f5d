namespace Zespan.Extensions.Providers.Internal;

/// <summary>The provider a request goes to, as detection found it.</summary>
/// <param name="Provider">The wire format the host speaks.</param>
/// <param name="Label">
/// The <c>provider</c> written on the event when it is not the wire format's own name: a configured
/// <see cref="ProviderEndpoint.ProviderName"/>, or the vendor of a well-known OpenAI-compatible host
/// (<c>deepseek</c>, <c>xai</c>, ...); null for the wire format's name.
/// </param>
internal readonly record struct DetectedProvider(ZespanProvider Provider, string? Label);
