using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Zespan.Extensions.Configuration.Internal;

namespace Zespan.Extensions.Tests.Configuration;

/// <summary>The monitor raises <c>OnChange</c> for a change of any option, and only for a real change.</summary>
public sealed class ZespanOptionsMonitorTests
{
    public static IEnumerable<object[]> EveryOptionValue => OptionVariations.Paths;

    [Fact]
    public void OptionVariations_EveryPublicProperty_CanBeChangedByTheTest() =>
        Assert.True(OptionVariations.Unsupported.Count == 0, string.Join(Environment.NewLine, OptionVariations.Unsupported));

    [Fact]
    public void OptionVariations_EveryPropertyOfTheOptionTypes_HasAVariation()
    {
        // Guards the walk itself: every public property of ZespanOptions and of the option types its lists
        // hold appears in at least one variation's path.
        string[] expected =
        [
            .. typeof(ZespanOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name),
            .. typeof(ModelOverride).GetProperties().Select(p => "ModelOverrides[0]." + p.Name),
            .. typeof(ModelPrice).GetProperties().Select(p => "ModelPrices[0]." + p.Name),
            .. typeof(ExportFilter).GetProperties().Select(p => "ExportFilters[0]." + p.Name),
            .. typeof(GuardrailRule).GetProperties().Select(p => "GuardrailRules[0]." + p.Name),
        ];

        var missing = expected.Where(name => !OptionVariations.All.Any(v => v.Path == name || v.Path.StartsWith(name + " ", StringComparison.Ordinal) || v.Path.StartsWith(name + "[", StringComparison.Ordinal))).ToArray();

        Assert.Empty(missing);
        Assert.Contains(OptionVariations.All, v => v.Path == "RemoteConfigVersion");
        Assert.Contains(OptionVariations.All, v => v.Path == "ExportFilters[0].Values[0]");
        Assert.Contains(OptionVariations.All, v => v.Path == "OtelHeaders[seed-key]");
    }

    [Theory]
    [MemberData(nameof(EveryOptionValue))]
    public void Reload_OneValueDiffers_RaisesOnChangeOnceWithTheNewValue(string path)
    {
        var variation = OptionVariations.Get(path);
        using var h = new MonitorHarness(OptionVariations.Seeded);
        var before = h.Monitor.CurrentValue;

        h.Reload(() =>
        {
            var changed = OptionVariations.Seeded();
            variation.Apply(changed);
            return changed;
        });

        var raised = Assert.Single(h.Changes);
        Assert.Same(h.Monitor.CurrentValue, raised);
        Assert.NotSame(before, raised);
    }

    [Fact]
    public void Reload_SameValuesInNewObjects_DoesNotRaiseOnChange()
    {
        using var h = new MonitorHarness(OptionVariations.EveryValueChanged);
        var first = h.Monitor.CurrentValue;

        h.Reload(OptionVariations.EveryValueChanged);
        h.Reload(OptionVariations.EveryValueChanged);

        Assert.Empty(h.Changes);
        Assert.Same(first, h.Monitor.CurrentValue);
    }

    [Fact]
    public void Reload_ChangedThenChangedBack_RaisesOnChangeForEach()
    {
        using var h = new MonitorHarness(OptionVariations.Seeded);
        _ = h.Monitor.CurrentValue;

        h.Reload(() =>
        {
            var o = OptionVariations.Seeded();
            o.ModelOverrides[0].To = "other";
            return o;
        });
        h.Reload(OptionVariations.Seeded);
        h.Reload(OptionVariations.Seeded);

        Assert.Equal(2, h.Changes.Count);
        Assert.Equal("other", h.Changes[0].ModelOverrides[0].To);
        Assert.NotEqual("other", h.Changes[1].ModelOverrides[0].To);
    }

    [Fact]
    public void Snapshot_NaNAndInfinity_AreComparedInsteadOfFailing()
    {
        var a = new ZespanOptions { Enabled = false, SampleRate = double.NaN };
        var b = new ZespanOptions { Enabled = false, SampleRate = double.NaN };
        var c = new ZespanOptions { Enabled = false, SampleRate = double.PositiveInfinity };

        Assert.True(ZespanOptionsMonitor.SameValues(ZespanOptionsMonitor.Snapshot(a), ZespanOptionsMonitor.Snapshot(b)));
        Assert.False(ZespanOptionsMonitor.SameValues(ZespanOptionsMonitor.Snapshot(a), ZespanOptionsMonitor.Snapshot(c)));
    }

    [Fact]
    public void LocalReload_EveryKindOfSettingUnchanged_DoesNotRaiseOnChange()
    {
        // Through the real binding: lists of objects, string lists, a dictionary, TimeSpan, Uri and decimal
        // values bound again from the same configuration compare equal.
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zespan:ApiKey"] = "zsp_test_key",
            ["Zespan:SampleRate"] = "0.4",
            ["Zespan:FlushInterval"] = "00:00:03",
            ["Zespan:BaseUrl"] = "http://127.0.0.1:9/",
            ["Zespan:RedactKeys:0"] = "email",
            ["Zespan:OtelHeaders:x-b"] = "2",
            ["Zespan:OtelHeaders:X-A"] = "1",
            ["Zespan:ModelOverrides:0:From"] = "amazon.nova-lite-v1:0",
            ["Zespan:ModelOverrides:0:To"] = "amazon.nova-micro-v1:0",
            ["Zespan:ModelPrices:0:Model"] = "my-*",
            ["Zespan:ModelPrices:0:InputPerMillion"] = "3.0",
            ["Zespan:ExportFilters:0:Field"] = "tags.team",
            ["Zespan:ExportFilters:0:Operator"] = "in",
            ["Zespan:ExportFilters:0:Values:0"] = "support",
            ["Zespan:GuardrailRules:0:Provider"] = "openai",
            ["Zespan:DisableConfigSync"] = "true",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddZespan(config.GetSection("Zespan"));
        using var sp = services.BuildServiceProvider();
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        var first = monitor.CurrentValue;
        var changes = 0;
        using var subscription = monitor.OnChange((_, _) => Interlocked.Increment(ref changes));

        config.Reload();
        config.Reload();
        Assert.Equal(0, changes);
        Assert.Same(first, monitor.CurrentValue);

        config["Zespan:ExportFilters:0:Values:0"] = "billing";
        config.Reload();
        Assert.Equal(1, changes);
        Assert.Equal("billing", monitor.CurrentValue.ExportFilters[0].Values[0]);
    }

    /// <summary>A <see cref="ZespanOptionsMonitor"/> over a factory whose next value the test chooses, reloaded on demand.</summary>
    private sealed class MonitorHarness : IDisposable
    {
        private readonly Factory _factory;
        private readonly Source _source = new();
        private readonly List<ZespanOptions> _changes = [];
        private readonly IDisposable? _subscription;

        public MonitorHarness(Func<ZespanOptions> initial)
        {
            _factory = new Factory(initial);
            Monitor = new ZespanOptionsMonitor(_factory, [_source], NullLoggerFactory.Instance);
            _subscription = Monitor.OnChange((value, _) => _changes.Add(value));
        }

        public ZespanOptionsMonitor Monitor { get; }

        public IReadOnlyList<ZespanOptions> Changes => _changes;

        /// <summary>Makes <paramref name="next"/> the factory's value and signals a reload (which runs synchronously).</summary>
        public void Reload(Func<ZespanOptions> next)
        {
            _factory.Next = next;
            _source.Signal();
        }

        public void Dispose()
        {
            _subscription?.Dispose();
            Monitor.Dispose();
        }

        private sealed class Factory(Func<ZespanOptions> next) : IOptionsFactory<ZespanOptions>
        {
            public Func<ZespanOptions> Next { get; set; } = next;

            public ZespanOptions Create(string name) => Next();
        }

        private sealed class Source : IOptionsChangeTokenSource<ZespanOptions>
        {
            private CancellationTokenSource _cts = new();

            public string? Name => Options.DefaultName;

            public IChangeToken GetChangeToken() => new CancellationChangeToken(_cts.Token);

            public void Signal()
            {
                using var fired = Interlocked.Exchange(ref _cts, new CancellationTokenSource());
                fired.Cancel();
            }
        }
    }
}
