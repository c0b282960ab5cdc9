using System.Diagnostics.Metrics;
using MitiAgent.Diagnostics;
using MitiAgent.Tests.Integration;
using MitiAgent.Tests.Integration.Client;
using static MitiAgent.MitiTelemetry;

namespace MitiAgent.Tests.Telemetry;

public sealed class MeterLifetimeTests
{
    [Fact]
    public async Task The_factory_meter_has_the_documented_instruments()
    {
        await using var t = await TelemetryHarness.CreateAsync();

        var expected = new (string Name, Type Type, string Unit)[]
        {
            (Instruments.Connections, typeof(UpDownCounter<long>), "{connection}"),
            (Instruments.Reconnects, typeof(Counter<long>), "{reconnect}"),
            (Instruments.EventsReceived, typeof(Counter<long>), "{event}"),
            (Instruments.EventsDeduplicated, typeof(Counter<long>), "{event}"),
            (Instruments.EventsOverloaded, typeof(Counter<long>), "{event}"),
            (Instruments.EventsDropped, typeof(Counter<long>), "{event}"),
            (Instruments.HandlerDuration, typeof(Histogram<double>), "s"),
            (Instruments.QueueDepth, typeof(ObservableUpDownCounter<int>), "{event}"),
            (Instruments.RateLimited, typeof(Counter<long>), "{response}"),
            (Instruments.TokenRefreshes, typeof(Counter<long>), "{request}"),
            (Instruments.StreamRetries, typeof(Counter<long>), "{frame}"),
        };
        Assert.Equal(expected.Select(e => e.Name).Order(), t.Metrics.Instruments.Keys.Order());
        foreach (var (name, type, unit) in expected)
        {
            var instrument = t.Metrics.Instruments[name];
            Assert.IsType(type, instrument);
            Assert.Equal(unit, instrument.Unit);
            Assert.False(string.IsNullOrWhiteSpace(instrument.Description));
            Assert.Equal(MeterName, instrument.Meter.Name);
            Assert.Equal(MitiMetrics.Version, instrument.Meter.Version);
            Assert.Matches(@"^miti\.agent\.[a-z_.]+$", name);
        }

        Assert.Equal(1, t.Factory.Created);
    }

    [Fact]
    public void Clients_without_a_factory_share_one_process_wide_meter()
    {
        Assert.Same(MitiMetrics.Shared, MitiMetrics.For(null));
        Assert.Equal(MeterName, MitiMetrics.Shared.Meter.Name);
        Assert.Null(MitiMetrics.Shared.Meter.Scope);
        Assert.Equal(ActivitySourceName, MitiActivities.Source.Name);
        Assert.Equal(MitiMetrics.Version, MitiActivities.Source.Version);
        Assert.Equal(typeof(MitiAgentClient).Assembly.GetName().Version!.ToString(3), MitiMetrics.Version);
    }

    [Fact]
    public async Task Stopping_or_disposing_a_client_stops_its_queue_depth_reports()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        Assert.Empty(t.Metrics.QueueDepth()); // not started: nothing to report

        await t.Client.StartAsync(new TestHandler { OnMessage = (_, _) => Task.CompletedTask });
        Assert.Equal(3, t.Metrics.QueueDepth().Count);

        await t.Client.StopAsync();
        Assert.Empty(t.Metrics.QueueDepth());

        await t.Client.StartAsync(new TestHandler { OnMessage = (_, _) => Task.CompletedTask });
        Assert.Equal(3, t.Metrics.QueueDepth().Count);

        await t.Client.DisposeAsync();
        Assert.Empty(t.Metrics.QueueDepth());
        Assert.Equal(0, t.Metrics.Sum(Instruments.Connections));
    }

    [Fact]
    public async Task Clients_sharing_a_factory_share_the_instruments_and_their_values_add_up()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        await using var second = new MitiAgentClient(t.Host.Options(), t.Host.LoggerFactory, t.Host.Time, meterFactory: t.Factory);
        var release = new TaskCompletionSource();
        int running = 0;
        var handler = new TestHandler { OnMessage = async (_, _) => { Interlocked.Increment(ref running); await release.Task; } };
        await t.Client.StartAsync(handler);
        await second.StartAsync(handler);

        Assert.Equal(1, t.Factory.Created);
        Assert.Equal(2, t.Metrics.Sum(Instruments.Connections));
        Assert.Single(t.Metrics.Observe(), m => m.Instrument == Instruments.QueueDepth && m.Has(Tags.Queue, "handlers"));

        // The emulator spreads events over the app's connections: both clients end up with a blocked handler.
        for (int i = 0; Volatile.Read(ref running) < 2 && i < 50; i++)
        {
            t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "m" + i);
            await Task.Delay(20);
        }

        await t.WaitForAsync(_ => Volatile.Read(ref running) >= 2, "a handler blocked on each client");
        Assert.True(t.Metrics.QueueDepth()["handlers"] >= 2);

        release.SetResult();
        await second.DisposeAsync();
        await t.WaitForAsync(m => m.QueueDepth().GetValueOrDefault("handlers") == 0, "first client's handlers done");
        Assert.Equal(1, t.Metrics.Sum(Instruments.Connections));
    }
}
