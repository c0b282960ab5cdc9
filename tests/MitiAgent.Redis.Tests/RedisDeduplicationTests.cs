using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MitiAgent.Emulator;
using StackExchange.Redis;

namespace MitiAgent.Redis.Tests;

/// <summary>
/// Cross-instance dedupe (spec §4.3, issue 14 §2) against a real redis-server and the emulator, which round-robins
/// events over every connection of an app and redelivers an event whose ack it ignored, usually to another connection.
/// </summary>
public sealed class RedisDeduplicationTests : IAsyncLifetime
{
    private const string AppId = "cli_scale_out";
    private const string AppSecret = "scale-out-secret-never-logged-42";
    private const string User = "ou_scale_user";

    private readonly CapturingLoggerProvider _logs = new();
    private readonly CapturingLoggerFactory _loggerFactory;
    private readonly List<MitiAgentClient> _clients = [];
    private RedisServer _redis = null!;
    private MitiEmulator _emulator = null!;

    public RedisDeduplicationTests() => _loggerFactory = new CapturingLoggerFactory(_logs);

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync();
        var options = new MitiEmulatorOptions { AckTimeout = TimeSpan.FromMilliseconds(250) };
        options.Apps.Add(new EmulatorApp(AppId, AppSecret));
        _emulator = new MitiEmulator(options);
        await _emulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _emulator.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_claim_is_atomic_across_stores_scoped_per_app_and_lasts_the_window()
    {
        using var first = new RedisEventDeduplicationStore(_redis.Configuration, "t1:");
        using var second = new RedisEventDeduplicationStore(_redis.Configuration, "t1:");
        var window = TimeSpan.FromMinutes(10);

        // 16 concurrent claims of one id from two "instances": exactly one wins.
        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => (i % 2 == 0 ? first : second).TryClaimAsync(AppId, "evt_1", window).AsTask()));
        Assert.Equal(1, claims.Count(c => c));
        Assert.True(await first.TryClaimAsync("cli_other_app", "evt_1", window));

        using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        TimeSpan? ttl = await redis.GetDatabase().KeyTimeToLiveAsync(first.KeyFor(AppId, "evt_1"));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, window - TimeSpan.FromSeconds(30), window);
        string? owner = await redis.GetDatabase().StringGetAsync(first.KeyFor(AppId, "evt_1"));
        Assert.Contains(owner, new[] { first.InstanceId, second.InstanceId });

        // Release deletes only the releasing instance's own claim.
        await second.ReleaseAsync(AppId, "evt_1");
        await first.ReleaseAsync(AppId, "evt_1");
        Assert.False(await redis.GetDatabase().KeyExistsAsync(first.KeyFor(AppId, "evt_1")));
        Assert.True(await first.TryClaimAsync(AppId, "evt_1", window));
        await second.ReleaseAsync(AppId, "evt_1");
        Assert.True(await redis.GetDatabase().KeyExistsAsync(first.KeyFor(AppId, "evt_1")));

        // A claim expires after its window (here 150 ms): the id can be claimed again.
        Assert.True(await first.TryClaimAsync(AppId, "evt_short", TimeSpan.FromMilliseconds(150)));
        await Waiting.WaitUntilAsync(() => !redis.GetDatabase().KeyExists(first.KeyFor(AppId, "evt_short")), "the claim to expire", TimeSpan.FromSeconds(5));
        Assert.True(await second.TryClaimAsync(AppId, "evt_short", TimeSpan.FromMilliseconds(150)));
    }

    [Fact]
    public async Task Three_instances_with_lost_acks_and_double_deliveries_handle_each_event_exactly_once()
    {
        var handled = new ConcurrentDictionary<string, int>();
        for (int i = 0; i < 3; i++)
        {
            await StartInstanceAsync(handled, $"i{i}", "dedupe3:");
        }

        var ids = InjectWithFaults(count: 90);
        await Waiting.WaitUntilAsync(() => ids.All(handled.ContainsKey) && _emulator.GetPendingDeliveryCount(AppId) == 0, "every event handled and acked");
        await StopAllAsync(); // drains: a duplicate that slipped through would be counted now

        int crossInstance = _emulator.Deliveries.GroupBy(d => d.EventId).Count(g => g.Select(d => d.ConnId).Distinct().Count() > 1);
        Assert.True(crossInstance >= 10, $"only {crossInstance} events reached more than one instance");
        Assert.All(ids, id => Assert.Equal(1, handled[id]));
        Assert.Equal(0, _logs.Count(2901)); // Redis was up throughout
    }

    [Fact]
    public async Task Without_a_shared_store_the_same_faults_answer_events_twice()
    {
        // The control for the test above: local dedupe alone cannot see a redelivery to another instance.
        var handled = new ConcurrentDictionary<string, int>();
        for (int i = 0; i < 3; i++)
        {
            await StartInstanceAsync(handled, $"i{i}", keyPrefix: null);
        }

        var ids = InjectWithFaults(count: 90);
        await Waiting.WaitUntilAsync(() => ids.All(handled.ContainsKey) && _emulator.GetPendingDeliveryCount(AppId) == 0, "every event handled and acked");
        await StopAllAsync();

        Assert.Contains(ids, id => handled[id] > 1);
    }

    [Fact]
    public async Task An_instance_killed_mid_run_loses_nothing_and_duplicates_nothing()
    {
        var handled = new ConcurrentDictionary<string, int>();
        var handledBy = new ConcurrentDictionary<string, string>();
        MitiAgentClient victim = await StartInstanceAsync(handled, "victim", "kill:", handledBy);
        string victimConn = _emulator.GetConnections(AppId).Single().ConnId;
        await StartInstanceAsync(handled, "b", "kill:", handledBy);
        await StartInstanceAsync(handled, "c", "kill:", handledBy);

        var ids = InjectWithFaults(count: 30);
        await Waiting.WaitUntilAsync(() => ids.All(handled.ContainsKey) && _emulator.GetPendingDeliveryCount(AppId) == 0, "the first events handled and acked");

        // Kill: events were just written to the victim's socket, some with acks the emulator ignores; the socket is
        // reset (no close frame) and the instance is gone before its first reconnect could start (backoff ≥ 0.5 s).
        _emulator.Faults.IgnoreEventAcks(3);
        for (int i = 0; i < 6; i++)
        {
            ids.Add(_emulator.InjectMessage(AppId, User, $"burst {i}").EventId);
        }

        _emulator.Faults.DropConnection(victimConn);
        _clients.Remove(victim);
        await victim.DisposeAsync();

        ids.AddRange(InjectWithFaults(count: 30));
        await Waiting.WaitUntilAsync(() => ids.All(handled.ContainsKey) && _emulator.GetPendingDeliveryCount(AppId) == 0, () => "every event handled and acked; missing: " + Describe(ids.Where(id => !handled.ContainsKey(id))));
        await StopAllAsync();

        Assert.DoesNotContain(_emulator.GetConnections(AppId), c => c.ConnId == victimConn);
        Assert.All(ids, id => Assert.Equal(1, handled[id]));
        Assert.True(handledBy.Values.Contains("victim"), $"victim handled nothing; deliveries to it: {_emulator.Deliveries.Count(d => d.ConnId == victimConn)}, acks from it: {_emulator.EventAcks.Count(a => a.ConnId == victimConn)}; logs: {string.Join("\n", _logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(e => e.ToString()).Take(10))}");
    }

    [Fact]
    public async Task Redis_killed_mid_run_falls_back_to_local_dedupe_and_loses_nothing()
    {
        var handled = new ConcurrentDictionary<string, int>();
        await StartInstanceAsync(handled, "a", "down:");
        await StartInstanceAsync(handled, "b", "down:");

        var before = InjectWithFaults(count: 20);
        await Waiting.WaitUntilAsync(() => before.All(handled.ContainsKey) && _emulator.GetPendingDeliveryCount(AppId) == 0, "events before the outage");

        _redis.Kill();
        var during = InjectWithFaults(count: 40);
        await Waiting.WaitUntilAsync(() => during.All(handled.ContainsKey) && _emulator.GetPendingDeliveryCount(AppId) == 0, "events during the outage");
        int unavailable = _logs.Count(2901);
        Assert.InRange(unavailable, 1, 2); // once per instance and outage, not once per event

        await _redis.StartAsync();
        var after = new List<string>();
        await Waiting.WaitUntilAsync(
            () =>
            {
                after.Add(_emulator.InjectMessage(AppId, User, "after " + after.Count).EventId);
                return _logs.Count(2902) >= 2;
            },
            "both instances to use Redis again",
            TimeSpan.FromSeconds(30));
        await Waiting.WaitUntilAsync(() => after.All(handled.ContainsKey) && _emulator.GetPendingDeliveryCount(AppId) == 0, "events after the outage");
        await StopAllAsync();

        Assert.All(before.Concat(during).Concat(after), id => Assert.True(handled.TryGetValue(id, out int n) && n >= 1, id + " was lost"));
        Assert.All(before, id => Assert.Equal(1, handled[id]));
        Assert.Equal(unavailable, _logs.Count(2901));
        Assert.DoesNotContain(_logs.Entries, e => e.TextWithScopes.Contains(AppSecret, StringComparison.Ordinal));
    }

    [Fact]
    public void UseRedisDeduplication_sets_the_store_of_the_hosted_agent_in_one_call()
    {
        var services = new ServiceCollection();
        services.AddMitiAgent<HostedAgent>(o =>
        {
            o.AppId = AppId;
            o.AppSecret = AppSecret;
        }).UseRedisDeduplication(_redis.Configuration + ",password=do-not-show");

        using var provider = services.BuildServiceProvider();
        var store = Assert.IsType<RedisEventDeduplicationStore>(provider.GetRequiredService<IOptions<MitiAgentOptions>>().Value.EventDeduplicationStore);
        Assert.Same(store, provider.GetRequiredService<RedisEventDeduplicationStore>());
        Assert.Contains($"127.0.0.1:{_redis.Port}", store.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-show", store.ToString(), StringComparison.Ordinal);
        Assert.Contains("EventDeduplicationStore = RedisEventDeduplicationStore", provider.GetRequiredService<IOptions<MitiAgentOptions>>().Value.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_configuration_is_rejected_without_echoing_it()
    {
        Assert.Throws<ArgumentException>(() => new RedisEventDeduplicationStore(" "));
        var ex = Assert.Throws<ArgumentException>(() => new RedisEventDeduplicationStore("password=hunter2-secret"));
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    private string Describe(IEnumerable<string> ids) => string.Join("; ", ids.Select(id =>
        id + ": " + string.Join(",", _emulator.Deliveries.Where(d => d.EventId == id).Select(d => d.ConnId + "#" + d.Attempt))
        + " acks " + string.Join(",", _emulator.EventAcks.Where(a => a.EventId == id).Select(a => a.ConnId + (a.Ignored ? "(ignored)" : "")))));

    private List<string> InjectWithFaults(int count)
    {
        var ids = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            if (i % 3 == 0)
            {
                _emulator.Faults.IgnoreEventAcks(1); // that event is redelivered after the ack timeout, round robin
            }

            if (i % 10 == 5)
            {
                _emulator.Faults.DeliverNextEventsTwice(1); // two connections get it at once
            }

            ids.Add(_emulator.InjectMessage(AppId, User, "message " + i).EventId);
        }

        return ids;
    }

    private async Task<MitiAgentClient> StartInstanceAsync(ConcurrentDictionary<string, int> handled, string name, string? keyPrefix, ConcurrentDictionary<string, string>? handledBy = null)
    {
        int before = _emulator.GetConnections(AppId).Count;
        var options = new MitiAgentOptions
        {
            AppId = AppId,
            AppSecret = AppSecret,
            BaseUrl = _emulator.BaseUrl,
            RegisterSignals = false,
            ShutdownTimeout = TimeSpan.FromSeconds(5),
            EventDeduplicationStore = keyPrefix is null ? null : new RedisEventDeduplicationStore(_redis.Configuration, keyPrefix),
        };
        var client = new MitiAgentClient(options, _loggerFactory);
        _clients.Add(client);
        await client.StartAsync(new CountingAgent(handled, name, handledBy));
        await Waiting.WaitUntilAsync(() => _emulator.GetConnections(AppId).Count == before + 1, "instance " + name + " connected");
        return client;
    }

    private async Task StopAllAsync()
    {
        foreach (var client in _clients)
        {
            await client.StopAsync();
        }
    }

    /// <summary>A hosted agent for the DI test (never started).</summary>
    public sealed class HostedAgent : IMitiAgentHandler
    {
        public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message;

        public ValueTask DispatchAsync(MitiEventContext context) => default;

        public ValueTask DispatchOverloadAsync(MitiEventContext context) => default;
    }
}
