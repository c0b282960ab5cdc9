using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MitiAgent.Tests.Telemetry;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>
/// Spec §8 with "a slot is a handler that is running": a fixed set of workers fed by a small queue; overload only when
/// every worker runs a handler and the queue is full.
/// </summary>
public sealed class ClientConcurrencyTests
{
    [Fact]
    public async Task A_burst_of_50_000_events_to_a_no_op_handler_drops_none()
    {
        const int Count = 50_000;
        await using var host = await EmulatorTestHost.StartAsync();
        using var meters = new TestMeterFactory();
        using var dropped = new DropCounter(meters);
        await using var client = new MitiAgentClient(host.Options(), host.LoggerFactory, host.Time, meterFactory: meters);
        int handled = 0;
        await client.StartAsync(new TestHandler { OnMessage = (_, _) => { Interlocked.Increment(ref handled); return Task.CompletedTask; } });

        for (int i = 0; i < Count; i++)
        {
            host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "m");
        }

        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref handled) + dropped.Count >= Count, "every event handled or dropped", TimeSpan.FromMinutes(3));
        Assert.Equal(0, dropped.Count);
        Assert.Equal(Count, Volatile.Read(ref handled));
        Assert.False(host.Logged("overloaded, event dropped"));
    }

    [Fact]
    public async Task Hundred_events_to_64_blocked_handlers_run_64_queue_16_overload_4_and_drop_16_with_a_warning_each()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        using var meters = new TestMeterFactory();
        using var dropped = new DropCounter(meters);
        await using var client = new MitiAgentClient(host.Options(), host.LoggerFactory, host.Time, meterFactory: meters); // defaults: MaxConcurrency 64, HandlerQueueCapacity 16, OverloadConcurrency 4
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int running = 0, overloaded = 0, finished = 0;
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (_, _) => { Interlocked.Increment(ref running); await release.Task; Interlocked.Increment(ref finished); },
            OnOverload = async (_, _) => { Interlocked.Increment(ref overloaded); await release.Task; },
        });

        var events = Enumerable.Range(0, 100).Select(i => host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "m" + i)).ToArray();
        await EmulatorTestHost.WaitUntilAsync(() => dropped.Count == 16 && Volatile.Read(ref overloaded) == 4 && Volatile.Read(ref running) == 64, "64 running, 4 overloaded, 16 dropped");
        await EmulatorTestHost.WaitUntilAsync(() => events.All(e => host.Emulator.EventAcks.Any(a => a.EventId == e.EventId)), "all acked");

        Assert.Equal(64, Volatile.Read(ref running));
        Assert.Equal(16, host.LogLines.Count(l => l.Contains("overloaded, event dropped", StringComparison.Ordinal)));
        Assert.Equal(4, host.LogLines.Count(l => l.Contains("handler slots busy, event sent to the overload handler", StringComparison.Ordinal)));

        // The queued 16 run once slots free up: 80 message handlers in all.
        release.SetResult();
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref finished) == 80, "queued events handled");
        Assert.Equal(80, Volatile.Read(ref running));
        Assert.Equal(16, dropped.Count);
    }

    /// <summary>Counts the <c>miti.agent.events.dropped</c> measurements of one client's meter.</summary>
    private sealed class DropCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public DropCounter(TestMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == MitiTelemetry.Instruments.EventsDropped)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, (int)value));
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
