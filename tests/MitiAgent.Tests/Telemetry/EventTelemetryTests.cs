using System.Collections.Concurrent;
using MitiAgent.Protocol;
using MitiAgent.Tests.Integration;
using MitiAgent.Tests.Integration.Client;
using static MitiAgent.MitiTelemetry;

namespace MitiAgent.Tests.Telemetry;

public sealed class EventTelemetryTests
{
    private const string Receive = WireNames.EventTypes.MessageReceive;

    [Fact]
    public async Task A_duplicate_delivery_is_received_twice_deduplicated_once_and_handled_once()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        var handled = new ConcurrentQueue<string>();
        await t.Client.StartAsync(new TestHandler { OnMessage = (e, _) => { handled.Enqueue(e.EventId); return Task.CompletedTask; } });

        t.Host.Emulator.Faults.DeliverNextEventsTwice();
        var twice = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "twice");
        await EmulatorTestHost.WaitUntilAsync(() => t.Host.Emulator.EventAcks.Count(a => a.EventId == twice.EventId) == 2, "both copies acked");
        await t.WaitForAsync(m => m.Of(Instruments.HandlerDuration).Count == 1, "handler run recorded");

        Assert.Equal(2, t.Metrics.Sum(Instruments.EventsReceived, (Tags.EventType, Receive)));
        Assert.Equal(1, t.Metrics.Sum(Instruments.EventsDeduplicated, (Tags.EventType, Receive)));
        Assert.Empty(t.Metrics.Of(Instruments.EventsDropped));
        Assert.Empty(t.Metrics.Of(Instruments.EventsOverloaded));
        var run = Assert.Single(t.Metrics.Of(Instruments.HandlerDuration));
        Assert.True(run.Has(Tags.EventType, Receive) && run.Has(Tags.HandlerKind, "message") && run.Has(Tags.HandlerOutcome, "ok"), run.ToString());
        Assert.Equal(3, run.Tags.Count);
        Assert.Equal([twice.EventId], handled);
    }

    [Fact]
    public async Task Overload_drops_and_queue_depth_are_reported_while_handlers_block()
    {
        await using var t = await TelemetryHarness.CreateAsync(o => { o.MaxConcurrency = 1; o.HandlerQueueCapacity = 0; o.OverloadConcurrency = 1; o.CancelQueueCapacity = 1; });
        var release = new TaskCompletionSource();
        int running = 0, overloaded = 0, cancels = 0;
        await t.Client.StartAsync(new TestHandler
        {
            OnMessage = async (_, _) => { Interlocked.Increment(ref running); await release.Task; },
            OnOverload = async (_, _) => { Interlocked.Increment(ref overloaded); await release.Task; },
            OnCancel = async (_, _) => { Interlocked.Increment(ref cancels); await release.Task; },
        });
        Assert.Equal(new Dictionary<string, double> { ["handlers"] = 0, ["overload"] = 0, ["cancel"] = 0 }, t.Metrics.QueueDepth());

        var a = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "a");
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref running) == 1, "first handler running");
        t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "b");
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref overloaded) == 1, "overload handler running");
        var c = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "c");
        await t.WaitForAsync(m => m.Of(Instruments.EventsDropped).Count == 1, "drop counted");

        // The cancel of run a: its handler runs (and blocks), the next cancel waits in the queue, a third is dropped.
        t.Host.Emulator.InjectCancel(EmulatorTestHost.AppId, a.RunId!);
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref cancels) == 1, "cancel handler running");
        t.Host.Emulator.InjectCancel(EmulatorTestHost.AppId, a.RunId!);
        await t.WaitForAsync(m => m.QueueDepth()["cancel"] == 2, "second cancel queued");
        t.Host.Emulator.InjectCancel(EmulatorTestHost.AppId, a.RunId!);
        await t.WaitForAsync(m => m.Of(Instruments.EventsDropped).Count == 2, "cancel drop counted");

        Assert.Equal(new Dictionary<string, double> { ["handlers"] = 1, ["overload"] = 1, ["cancel"] = 2 }, t.Metrics.QueueDepth());
        Assert.Equal(1, t.Metrics.Sum(Instruments.EventsOverloaded, (Tags.EventType, Receive)));
        var dropped = Assert.Single(t.Metrics.Of(Instruments.EventsDropped, (Tags.DropReason, "overloaded")));
        Assert.True(dropped.Has(Tags.EventType, Receive), dropped.ToString());
        Assert.Single(t.Metrics.Of(Instruments.EventsDropped, (Tags.DropReason, "cancel_queue_full"), (Tags.EventType, WireNames.EventTypes.AssistantCancel)));
        Assert.Equal(3, t.Metrics.Sum(Instruments.EventsReceived, (Tags.EventType, Receive)));
        Assert.Equal(3, t.Metrics.Sum(Instruments.EventsReceived, (Tags.EventType, WireNames.EventTypes.AssistantCancel)));
        Assert.Contains(t.Host.Emulator.EventAcks, ack => ack.EventId == c.EventId);
        Assert.Empty(t.Metrics.Of(Instruments.HandlerDuration));

        release.SetResult();
        await t.WaitForAsync(m => m.Of(Instruments.HandlerDuration).Count == 4, "four handler runs recorded");
        Assert.Equal(new Dictionary<string, double> { ["handlers"] = 0, ["overload"] = 0, ["cancel"] = 0 }, t.Metrics.QueueDepth());
        Assert.Single(t.Metrics.Of(Instruments.HandlerDuration, (Tags.HandlerKind, "message"), (Tags.HandlerOutcome, "ok")));
        Assert.Single(t.Metrics.Of(Instruments.HandlerDuration, (Tags.HandlerKind, "overload"), (Tags.HandlerOutcome, "ok")));
        Assert.Equal(2, t.Metrics.Of(Instruments.HandlerDuration, (Tags.HandlerKind, "cancel"), (Tags.EventType, WireNames.EventTypes.AssistantCancel)).Count);
    }

    [Fact]
    public async Task Handler_duration_runs_on_the_client_clock_and_carries_the_outcome()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        var slowStarted = new TaskCompletionSource();
        var releaseSlow = new TaskCompletionSource();
        var longStarted = new TaskCompletionSource();
        await t.Client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                switch (e.Text)
                {
                    case "slow":
                        slowStarted.SetResult();
                        await releaseSlow.Task;
                        break;
                    case "boom":
                        throw new InvalidOperationException("handler bug");
                    case "long":
                        longStarted.SetResult();
                        await Task.Delay(Timeout.Infinite, ct);
                        break;
                }
            },
        });

        t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "slow");
        await slowStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        t.Host.Time.Advance(TimeSpan.FromSeconds(2));
        releaseSlow.SetResult();
        await t.WaitForAsync(m => m.Of(Instruments.HandlerDuration).Count == 1, "slow run recorded");

        t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "boom");
        await t.WaitForAsync(m => m.Of(Instruments.HandlerDuration, (Tags.HandlerOutcome, "error")).Count == 1, "failed run recorded");

        var longRun = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "long");
        await longStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        t.Host.Emulator.InjectCancel(EmulatorTestHost.AppId, longRun.RunId!);
        await t.WaitForAsync(m => m.Of(Instruments.HandlerDuration, (Tags.HandlerOutcome, "cancelled")).Count == 1, "cancelled run recorded");

        var ok = Assert.Single(t.Metrics.Of(Instruments.HandlerDuration, (Tags.HandlerOutcome, "ok")));
        Assert.Equal(2.0, ok.Value, 6);
        Assert.Equal(0.0, Assert.Single(t.Metrics.Of(Instruments.HandlerDuration, (Tags.HandlerOutcome, "error"))).Value, 6);
        Assert.Equal(3, t.Metrics.Of(Instruments.HandlerDuration).Count);
        Assert.All(t.Metrics.Of(Instruments.HandlerDuration), m => Assert.True(m.Has(Tags.EventType, Receive) && m.Has(Tags.HandlerKind, "message"), m.ToString()));
        Assert.True(t.Metrics.Instruments[Instruments.HandlerDuration].Unit == "s");
    }

    [Fact]
    public async Task Unknown_types_and_malformed_events_count_as_received_and_dropped()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        var handled = new TaskCompletionSource();
        await t.Client.StartAsync(new TestHandler { OnMessage = (_, _) => { handled.TrySetResult(); return Task.CompletedTask; } });
        string conn = t.Host.Emulator.GetConnections().Single().ConnId;

        t.Host.Emulator.Faults.SendMalformedFrame(conn, """{"type":"event","header":{"event_id":"evt-bad","event_type":"im.message.receive"},"event":{"message":"not an object"}}""");
        t.Host.Emulator.Faults.SendMalformedFrame(conn, """{"type":"event","header":{"event_id":"evt-x","event_type":"im.future.thing"},"event":{}}""");
        t.Host.Emulator.InjectGroupAt(EmulatorTestHost.AppId, "sg_1", "u_1", "no group handler here");
        await t.WaitForAsync(m => m.Of(Instruments.EventsDropped).Count == 3, "three drops counted");

        Assert.Single(t.Metrics.Of(Instruments.EventsDropped, (Tags.DropReason, "malformed"), (Tags.EventType, Receive)));
        Assert.Single(t.Metrics.Of(Instruments.EventsDropped, (Tags.DropReason, "no_handler"), (Tags.EventType, "im.future.thing")));
        Assert.Single(t.Metrics.Of(Instruments.EventsDropped, (Tags.DropReason, "no_handler"), (Tags.EventType, WireNames.EventTypes.GroupAt)));
        Assert.Equal(1, t.Metrics.Sum(Instruments.EventsReceived, (Tags.EventType, Receive)));
        Assert.Equal(1, t.Metrics.Sum(Instruments.EventsReceived, (Tags.EventType, "im.future.thing")));
        Assert.Equal(1, t.Metrics.Sum(Instruments.EventsReceived, (Tags.EventType, WireNames.EventTypes.GroupAt)));
        Assert.Empty(t.Metrics.Of(Instruments.HandlerDuration));
        Assert.False(handled.Task.IsCompleted);
    }
}
