using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions;
using Zespan.Testing;

namespace Zespan.Benchmarks;

/// <summary>
/// The prompt client's hot paths. Targets: a cache hit at most 100 ns and 0 B; compiling a 500-character
/// template with 3 variables at most 300 ns.
/// </summary>
[MemoryDiagnoser]
public class PromptBenchmarks
{
    private FakeZespanBackend _backend = null!;
    private ServiceProvider _services = null!;
    private IPromptClient _client = null!;
    private Prompt _template = null!;
    private Dictionary<string, object?> _variables = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = FakeZespanBackend.StartAsync().GetAwaiter().GetResult();
        _backend.SeedPrompt("support-reply", "Hello {{customer_name}}, about order {{order_id}} ...", "production");
        _services = new ServiceCollection()
            .AddZespan(o =>
            {
                o.ApiKey = FakeZespanBackend.ValidApiKey;
                o.BaseUrl = _backend.BaseUrl;
                o.PromptCacheTtl = TimeSpan.FromHours(1);
            })
            .Services
            .BuildServiceProvider();
        _client = _services.GetRequiredService<IPromptClient>();
        _client.GetAsync("support-reply").GetAwaiter().GetResult();

        // 500 characters, 3 variables.
        var text = new StringBuilder("Hello {{ customer_name }}, thank you for contacting support about order {{order_id}}. ");
        while (text.Length < 460)
        {
            text.Append("We read every message carefully and reply as soon as we can. ");
        }

        text.Length = 470;
        text.Append(" Regards, {{ agent }}.");
        text.Append('x', 500 - text.Length);
        _template = new Prompt { Name = "support-reply", PromptType = PromptType.Text, Text = text.ToString() };
        _variables = new Dictionary<string, object?> { ["customer_name"] = "Ada Lovelace", ["order_id"] = 123456, ["agent"] = "Grace" };
        if (_template.Text!.Length != 500)
        {
            throw new InvalidOperationException("The template must be 500 characters.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>A cache hit: returns the cached completed task.</summary>
    [Benchmark]
    public Task<Prompt> GetAsync_CacheHit() => _client.GetAsync("support-reply");

    /// <summary>A cache hit through the overload with a fallback.</summary>
    [Benchmark]
    public Task<Prompt> GetAsync_CacheHitWithFallback() => _client.GetAsync("support-reply", _template);

    /// <summary>Compiles a 500-character template with 3 variables.</summary>
    [Benchmark]
    public string Compile_500Chars3Variables() => _client.Compile(_template, _variables);
}
