using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Zespan.Extensions.AspNetCore.Internal;

/// <summary>
/// Puts <see cref="ZespanRequestContextMiddleware"/> first in the app's pipeline, before anything the app adds, so
/// every request (and every middleware of the app) runs inside the request's context scope.
/// </summary>
internal sealed class ZespanRequestContextStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return app =>
        {
            app.UseMiddleware<ZespanRequestContextMiddleware>();
            next(app);
        };
    }
}
