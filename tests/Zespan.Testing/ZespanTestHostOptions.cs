using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Extensions;

namespace Zespan.Testing;

/// <summary>How a <see cref="ZespanTestHost"/> is put together. Every part is optional; the defaults give Zespan pointed at a fresh fake backend.</summary>
public sealed class ZespanTestHostOptions
{
    /// <summary>
    /// Gets the <c>Zespan</c> configuration settings (keys without the <c>Zespan:</c> prefix) the options are bound from;
    /// <see cref="ZespanTestHost.SetOption"/> changes them at run time. <c>ApiKey</c> and <c>BaseUrl</c> default to the
    /// fake backend's unless set here.
    /// </summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets code configuration applied after <see cref="Settings"/> (so it wins over them).</summary>
    public Action<ZespanOptions>? Configure { get; set; }

    /// <summary>Gets or sets a callback given the builder <c>AddZespan</c> returned (<c>InstrumentAllHttpClients()</c>, ...).</summary>
    public Action<IZespanBuilder>? Zespan { get; set; }

    /// <summary>Gets or sets services registered before <c>AddZespan</c>.</summary>
    public Action<IServiceCollection>? ServicesBeforeZespan { get; set; }

    /// <summary>Gets or sets services registered after <c>AddZespan</c>; the host gives its fake backend, provider and clock.</summary>
    public Action<IServiceCollection, ZespanTestHost>? Services { get; set; }

    /// <summary>Gets or sets whether a fake backend is started (a host whose queue is replaced needs none). The default is true.</summary>
    public bool StartBackend { get; set; } = true;

    /// <summary>Gets or sets a backend to use instead of a new one (the host still disposes it).</summary>
    public FakeZespanBackend? Backend { get; set; }

    /// <summary>Gets or sets a path under the backend's base URL that <c>BaseUrl</c> points at (a backend behind a path prefix).</summary>
    public string? BackendPathPrefix { get; set; }

    /// <summary>Gets or sets the handler of a fake LLM provider (a <see cref="LoopbackServer"/>); none when null.</summary>
    public Func<HttpContext, RecordedRequest, Task>? Provider { get; set; }

    /// <summary>Gets or sets whether <see cref="ZespanTestHost.Time"/> is registered as the <see cref="TimeProvider"/>. The default is false (the system clock).</summary>
    public bool FakeTime { get; set; }

    /// <summary>Gets or sets the minimum level of the logs <see cref="ZespanTestHost.Logs"/> collects. The default is <see cref="LogLevel.Trace"/>.</summary>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Trace;

    /// <summary>Gets or sets whether a generic host (<c>IHost</c>, hosted services started) is built rather than a bare service provider. The default is false.</summary>
    public bool GenericHost { get; set; }

    /// <summary>Gets or sets whether the generic host is started (<see cref="GenericHost"/> only). The default is true.</summary>
    public bool StartHost { get; set; } = true;

    /// <summary>Gets or sets whether disposing stops the generic host first (its hosted services' StopAsync). The default is false: a host on a fake clock would wait for it.</summary>
    public bool StopHostOnDispose { get; set; }

    /// <summary>Sets the options every tracing-and-flush test uses: no config sync, a 5 min flush interval, batches of 1000 (flushes come from the test).</summary>
    public ZespanTestHostOptions Quiet()
    {
        Settings["DisableConfigSync"] = "true";
        Settings["FlushInterval"] = TimeSpan.FromMinutes(5).ToString();
        Settings["BatchSize"] = "1000";
        return this;
    }

    /// <summary>Sets several <see cref="Settings"/>.</summary>
    public ZespanTestHostOptions With(params (string Key, string? Value)[] settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in settings)
        {
            Settings[key] = value;
        }

        return this;
    }
}
