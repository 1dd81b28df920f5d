using Microsoft.Extensions.DependencyInjection;

namespace Zespan.Extensions;

/// <summary>Returned by <c>AddZespan</c>, to chain further Zespan configuration.</summary>
public interface IZespanBuilder
{
    /// <summary>Gets the service collection Zespan was added to.</summary>
    IServiceCollection Services { get; }
}

internal sealed class ZespanBuilder(IServiceCollection services) : IZespanBuilder
{
    public IServiceCollection Services { get; } = services;
}
