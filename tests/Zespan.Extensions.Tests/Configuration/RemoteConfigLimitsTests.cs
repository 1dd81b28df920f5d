using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Configuration.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Configuration;

/// <summary>
/// Remote rule lists have caps: an oversized or absurd list rejects the whole configuration (the last good one stays,
/// logged once); merging keys is linear.
/// </summary>
public sealed class RemoteConfigLimitsTests : IAsyncLifetime
{
    private FakeZespanBackend _backend = null!;
    private readonly CollectingLoggerProvider _logs = new();

    public async Task InitializeAsync() => _backend = await FakeZespanBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private ServiceProvider Build(Action<ZespanOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = _backend.BaseUrl;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static Task RefreshAsync(ServiceProvider sp) => sp.GetRequiredService<RemoteConfigPoller>().RefreshAsync(CancellationToken.None);

    private static string Keys(int count, int length = 8) =>
        "[{\"type\": \"pii_redact_keys\", \"keys\": [" + string.Join(",", Enumerable.Range(0, count).Select(i => "\"" + ("k" + i).PadRight(length, 'x') + "\"")) + "]}]";

    private static string Overrides(int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"type": "model_override", "from": "m{{i}}", "to": "n{{i}}"}""")) + "]";

    private static string Guardrails(int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"type": "guardrail_enable", "provider": "p{{i}}"}""")) + "]";

    public static TheoryData<string, string> Oversized() => new()
    {
        { "redact keys", Keys(RemoteConfigParser.MaxRedactKeys + 1) },
        { "a redact key too long", Keys(1, RemoteConfigParser.MaxStringLength + 1) },
        { "model overrides", Overrides(RemoteConfigParser.MaxModelOverrides + 1) },
        { "guardrail rules", Guardrails(RemoteConfigParser.MaxGuardrailRules + 1) },
        { "rules", "[" + string.Join(",", Enumerable.Range(0, RemoteConfigParser.MaxRules + 1).Select(_ => """{"type": "future_rule"}""")) + "]" },
        { "a model id too long", $$"""[{"type": "model_override", "from": "{{new string('m', RemoteConfigParser.MaxStringLength + 1)}}", "to": "x"}]""" },
    };

    [Theory]
    [MemberData(nameof(Oversized))]
    public async Task RefreshAsync_OversizedList_RejectedLastGoodKeptLoggedOnce(string what, string rules)
    {
        using var sp = Build();
        var monitor = sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _backend.SetConfig(1, """[{"type": "pii_redact_keys", "keys": ["good_key"]}, {"type": "model_override", "from": "a", "to": "b"}]""");
        await RefreshAsync(sp);
        _backend.SetConfig(2, rules);

        await RefreshAsync(sp);
        await RefreshAsync(sp);

        var o = monitor.CurrentValue;
        Assert.Equal(1, o.RemoteConfigVersion);
        Assert.Equal(["good_key"], o.RedactKeys);
        Assert.Equal("b", Assert.Single(o.ModelOverrides).To);
        Assert.Single(_logs.Logs, l => l.EventId.Id == ZespanLogEvents.RemoteConfigRejected);
        Assert.DoesNotContain(_logs.Logs, l => l.EventId.Id == ZespanLogEvents.RemoteConfigMalformed);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Parse_ListsAtTheirCaps_Accepted()
    {
        var json = "{\"version\": 3, \"rules\": " + Keys(RemoteConfigParser.MaxRedactKeys, RemoteConfigParser.MaxStringLength) + "}";

        var snapshot = RemoteConfigParser.Parse(Encoding.UTF8.GetBytes(json), null, (_, _) => { });

        Assert.NotNull(snapshot);
        Assert.Equal(RemoteConfigParser.MaxRedactKeys, snapshot.RedactKeys.Count);
    }

    [Fact]
    public void Parse_TextThatCannotBeDecoded_RejectedNeverThrows()
    {
        var json = """{"version": 3, "rules": [{"type": "pii_redact_keys", "keys": ["a\uD800"]}]}""";
        string? rejected = null;

        var snapshot = RemoteConfigParser.Parse(Encoding.UTF8.GetBytes(json), null, (_, _) => { }, reason => rejected = reason);

        Assert.Null(snapshot);
        Assert.NotNull(rejected);
    }

    [Fact]
    public void MergeKeys_ManyRemoteKeysOverManyLocalOnes_LocalKeysScannedOnce()
    {
        var local = new CountingList(Enumerable.Range(0, 50_000).Select(i => "local_" + i));
        var remote = Enumerable.Range(0, RemoteConfigParser.MaxRedactKeys).Select(i => "remote_" + i).Append("local_3").Append("remote_0").ToList();

        RemoteConfigPostConfigure.MergeKeys(local, remote);

        Assert.Equal(50_000 + RemoteConfigParser.MaxRedactKeys, local.Count);
        Assert.Equal(RemoteConfigParser.MaxRedactKeys, local.Count(k => k.StartsWith("remote_", StringComparison.Ordinal)));
        Assert.True(local.Scans <= 2, $"the local keys were scanned {local.Scans} times");
    }

    /// <summary>A list that counts the operations that walk it (enumeration, Contains, IndexOf).</summary>
    private sealed class CountingList(IEnumerable<string> items) : IList<string>
    {
        private readonly List<string> _inner = [.. items];

        public int Scans { get; private set; }

        public int Count => _inner.Count;

        public bool IsReadOnly => false;

        public string this[int index]
        {
            get => _inner[index];
            set => _inner[index] = value;
        }

        public void Add(string item) => _inner.Add(item);

        public void Clear() => _inner.Clear();

        public bool Contains(string item)
        {
            Scans++;
            return _inner.Contains(item);
        }

        public void CopyTo(string[] array, int arrayIndex)
        {
            Scans++;
            _inner.CopyTo(array, arrayIndex);
        }

        public IEnumerator<string> GetEnumerator()
        {
            Scans++;
            return _inner.GetEnumerator();
        }

        public int IndexOf(string item)
        {
            Scans++;
            return _inner.IndexOf(item);
        }

        public void Insert(int index, string item) => _inner.Insert(index, item);

        public bool Remove(string item) => _inner.Remove(item);

        public void RemoveAt(int index) => _inner.RemoveAt(index);

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
