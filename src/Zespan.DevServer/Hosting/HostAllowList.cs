using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// DNS rebinding protection. A server that listens on loopback only answers requests whose <c>Host</c> names this
/// machine: <c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c> and the hosts of its <c>--urls</c>, any port. A page on
/// another site whose name an attacker re-points at 127.0.0.1 sends its own name as <c>Host</c> and gets 400, so it
/// can neither read the stored prompts nor write the configuration. A server bound to other addresses (which
/// needs <c>--api-key</c>) accepts any <c>Host</c>.
/// </summary>
internal sealed class HostAllowList
{
    private readonly HashSet<string>? _allowed;

    public HostAllowList(IEnumerable<string> urls)
    {
        var list = urls.ToList();
        if (list.Count == 0 || !list.TrueForAll(ListenAddresses.IsLoopback))
        {
            return; // not loopback-only: names are the operator's business
        }

        _allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1" };
        foreach (var url in list)
        {
            if (ListenAddresses.HostOf(url) is { Length: > 0 } host)
            {
                _allowed.Add(host);
            }
        }
    }

    /// <summary>Gets a value indicating whether requests are filtered by <c>Host</c>.</summary>
    public bool Enabled => _allowed is not null;

    public bool IsAllowed(HostString host)
    {
        if (_allowed is null || !host.HasValue)
        {
            return true; // no Host at all (HTTP/1.0) cannot come from a browser
        }

        var name = host.Host;
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        return _allowed.Contains(name);
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next, DevServerLogger logger)
    {
        if (!IsAllowed(context.Request.Host))
        {
            logger.HostRejected(context.Request.Path.Value ?? "/");
            await HttpJson.WriteErrorAsync(context, StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest,
                "this server listens on loopback and answers only Host localhost, 127.0.0.1 or [::1] (and the hosts of --urls): DNS rebinding protection")
                .ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
