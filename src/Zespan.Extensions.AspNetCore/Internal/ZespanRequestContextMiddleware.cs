using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Context.Internal;

namespace Zespan.Extensions.AspNetCore.Internal;

/// <summary>
/// Runs the rest of the pipeline inside a deferred context scope whose values <see cref="RequestContextSource"/>
/// reads from the request when they are used. With Zespan disabled the request passes straight through.
/// </summary>
internal sealed class ZespanRequestContextMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<ZespanOptions> _zespan;
    private readonly IOptionsMonitor<ZespanAspNetCoreOptions> _options;
    private readonly ILogger _logger;
    private volatile RequestContextSettings? _settings;

    public ZespanRequestContextMiddleware(
        RequestDelegate next,
        IOptionsMonitor<ZespanOptions> zespan,
        IOptionsMonitor<ZespanAspNetCoreOptions> options,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(zespan);
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _zespan = zespan;
        _options = options;
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _zespan.CurrentValue.Enabled ? InvokeInScopeAsync(context) : _next(context);
    }

    /// <summary>Gets the settings of the options in force (copied again after a reload).</summary>
    private RequestContextSettings Settings
    {
        get
        {
            var options = _options.CurrentValue;
            var settings = _settings;
            if (settings is null || !ReferenceEquals(settings.Options, options))
            {
                settings = new RequestContextSettings(options);
                _settings = settings;
            }

            return settings;
        }
    }

    private async Task InvokeInScopeAsync(HttpContext context)
    {
        var scope = ContextScope.BeginDeferred(new RequestContextSource(context, Settings, _logger));
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            scope.Dispose();
        }
    }
}
