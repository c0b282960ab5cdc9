using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Dispatch;
using MitiAgent.Events;
using MitiAgent.Tests.Integration;
using MitiAgent.Tests.Integration.Client;

namespace MitiAgent.Tests;

/// <summary>
/// Issue 14 §1 (found by the chaos run): an event whose ack reached the server is handled, exactly once, whenever
/// that ack settles and whichever of its deliveries carried it.
/// </summary>
public sealed class EventDispatcherAckTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 5, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ConcurrentQueue<string> _handled = new();
    private readonly EventDispatcher _dispatcher;

    public EventDispatcherAckTests()
    {
        var handler = new TestHandler { OnMessage = (e, _) => { _handled.Enqueue(e.EventId); return Task.CompletedTask; } };
        _dispatcher = new EventDispatcher(handler, client: null, new MitiAgentOptions { AppId = "a", AppSecret = "s" }, _logs.CreateLogger("MitiAgent.Gateway"), _time);
    }

    public void Dispose() => _dispatcher.Dispose();

    private static EventDelivery Delivery() => new(Frames.Event<MessageEvent>(Frames.DirectMessage, new FakeSink()));

    private static EventDelivery Delivered(bool ackSent)
    {
        EventDelivery delivery = Delivery();
        delivery.TrySettle(ackSent);
        return delivery;
    }

    private bool LoggedAckNotSent => _logs.Entries.Any(e => e.Message.StartsWith("ack not sent", StringComparison.Ordinal));

    [Fact]
    public async Task An_ack_that_leaves_long_after_the_servers_ack_timeout_still_runs_the_handler()
    {
        // The writer was slow (or the SDK's clock jumped): the ack leaves after 60 s of SDK time. The server counts the
        // event as delivered once the ack arrives, so the handler must run. (The worker used to give up after the ack
        // timeout and release the id: acked at the server, never handled.)
        EventDelivery ack = Delivery();
        await _dispatcher.DispatchAsync(ack);
        for (int i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(2);
        }

        Assert.Empty(_handled);
        Assert.True(ack.TrySettle(true));
        await EmulatorTestHost.WaitUntilAsync(() => _handled.Count == 1, "the handler to run once its ack left");
        Assert.False(LoggedAckNotSent);
    }

    [Fact]
    public async Task A_second_delivery_whose_ack_was_sent_runs_the_handler_when_the_first_deliverys_ack_failed()
    {
        // First delivery on a socket that is dying (its ack will fail); the redelivery (or the duplicate) arrives on
        // the other socket of a reconnect hand-over while the first still waits, and its ack is sent. The server has
        // the event as acked, so the event must be handled, once.
        EventDelivery firstAck = Delivery();
        EventDelivery secondAck = Delivery();
        await _dispatcher.DispatchAsync(firstAck);
        await _dispatcher.DispatchAsync(secondAck);

        Assert.True(secondAck.TrySettle(true));
        Assert.True(firstAck.TrySettle(false));
        await EmulatorTestHost.WaitUntilAsync(() => _handled.Count == 1, "the event to be handled through the second delivery's ack");

        // A later redelivery is a duplicate.
        await _dispatcher.DispatchAsync(Delivered(ackSent: true));
        await Task.Delay(50);
        Assert.Single(_handled);
        Assert.False(LoggedAckNotSent);
    }

    [Fact]
    public async Task When_no_deliverys_ack_was_sent_the_event_waits_for_its_next_delivery()
    {
        EventDelivery firstAck = Delivery();
        EventDelivery secondAck = Delivery();
        await _dispatcher.DispatchAsync(firstAck);
        await _dispatcher.DispatchAsync(secondAck);

        Assert.True(firstAck.TrySettle(false));
        await Task.Delay(50);
        Assert.Empty(_handled); // the second delivery's ack is still open: no decision yet
        Assert.True(secondAck.TrySettle(false));
        await EmulatorTestHost.WaitUntilAsync(() => LoggedAckNotSent, "the ack-not-sent log");
        Assert.Empty(_handled);

        // Neither ack reached the server: it redelivers, and that delivery is handled.
        await _dispatcher.DispatchAsync(Delivered(ackSent: true));
        await EmulatorTestHost.WaitUntilAsync(() => _handled.Count == 1, "the redelivery to be handled");
        Assert.Single(_logs.Entries, e => e.Message.StartsWith("ack not sent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stopping_ends_the_wait_for_an_ack_that_never_settles()
    {
        // The socket neither sends nor fails the second delivery's ack (a stuck writer) while the worker waits for it:
        // the wait ends when the dispatcher stops (the ack counts as not sent), so draining returns and nothing runs.
        EventDelivery first = Delivery();
        EventDelivery second = Delivery();
        await _dispatcher.DispatchAsync(first);
        await _dispatcher.DispatchAsync(second);
        Assert.True(first.TrySettle(false)); // the worker moves on to the second delivery's ack
        await Task.Delay(50);

        await _dispatcher.DrainAsync(TimeSpan.Zero, _time, static () => 0).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(await second.WaitAsync());
        Assert.False(second.TrySettle(true)); // settled once: a send after stopping changes nothing
        Assert.Empty(_handled);
    }
}
