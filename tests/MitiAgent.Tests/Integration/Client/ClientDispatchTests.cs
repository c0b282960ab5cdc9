using System.Collections.Concurrent;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

public sealed class ClientDispatchTests
{
    [Fact]
    public async Task Events_reach_typed_handlers_with_the_reference_names()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var dm = new TaskCompletionSource<MessageEvent>();
        var at = new TaskCompletionSource<GroupAtEvent>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = (e, _) => { dm.TrySetResult(e); return Task.CompletedTask; },
            OnGroupAt = (e, _) => { at.TrySetResult(e); return Task.CompletedTask; },
        });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_abc", "hello", userName: "Alice");
        host.Emulator.InjectGroupAt(EmulatorTestHost.AppId, "sg_1", "u_abc", "what's new?");

        var message = await dm.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(injected.EventId, message.EventId);
        Assert.Equal("hello", message.Text);
        Assert.Equal("Alice", message.Sender.Name);
        Assert.Equal(injected.RunId, message.RunId);
        Assert.Equal(injected.AssistantMsgId, message.AssistantMsgId);
        Assert.Equal("conv-u_abc", message.Message.ConversationId);
        var group = await at.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("sg_1", group.GroupId);
        Assert.Equal("what's new?", group.TextWithoutMentions);
        Assert.True(host.Logged("event received: type=im.message.receive id=" + injected.EventId));
    }

    [Fact]
    public async Task Every_event_is_acked_on_receipt_before_its_handler_finishes()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var release = new TaskCompletionSource();
        await client.StartAsync(new TestHandler { OnMessage = async (_, _) => await release.Task });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "slow");

        var ack = await host.Emulator.WaitForEventAckAsync(injected.EventId);
        Assert.False(ack.Ignored);
        Assert.Equal(0, host.Emulator.GetPendingDeliveryCount(EmulatorTestHost.AppId));
        host.Time.Advance(TimeSpan.FromSeconds(30)); // well past ack_timeout: no redelivery
        Assert.Single(host.Emulator.Deliveries);
        release.SetResult();
    }

    [Fact]
    public async Task Events_without_a_handler_are_acked_and_logged_once_per_type()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler { OnMessage = (_, _) => Task.CompletedTask });

        var a = host.Emulator.InjectGroupAt(EmulatorTestHost.AppId, "sg_1", "u_1", "one");
        var b = host.Emulator.InjectGroupAt(EmulatorTestHost.AppId, "sg_1", "u_1", "two");

        await host.Emulator.WaitForEventAckAsync(a.EventId);
        await host.Emulator.WaitForEventAckAsync(b.EventId);
        Assert.Single(host.LogLines, l => l.Contains("no handler for event_type im.message.group_at", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Duplicate_deliveries_run_the_handler_once_per_event_id()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var calls = new ConcurrentDictionary<string, int>();
        await client.StartAsync(new TestHandler { OnMessage = (e, _) => { calls.AddOrUpdate(e.EventId, 1, (_, n) => n + 1); return Task.CompletedTask; } });

        host.Emulator.Faults.DeliverNextEventsTwice();
        var twice = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "twice");
        await EmulatorTestHost.WaitUntilAsync(() => host.Emulator.EventAcks.Count(a => a.EventId == twice.EventId) == 2, "both copies acked");
        host.Emulator.Faults.IgnoreEventAcks(1);
        var redelivered = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "redelivered");
        Assert.True((await host.Emulator.WaitForEventAckAsync(redelivered.EventId)).Ignored);
        host.Time.Advance(TimeSpan.FromSeconds(5));
        await EmulatorTestHost.WaitUntilAsync(() => host.Emulator.EventAcks.Count(a => a.EventId == redelivered.EventId) == 2, "second ack");

        // Acks come before handlers: wait for both handlers, then give a wrongly dispatched copy time to run too.
        await EmulatorTestHost.WaitUntilAsync(() => calls.ContainsKey(twice.EventId) && calls.ContainsKey(redelivered.EventId), "both events handled");
        await Task.Delay(100);
        Assert.Equal(1, calls[twice.EventId]);
        Assert.Equal(1, calls[redelivered.EventId]);
        Assert.Equal(2, host.Emulator.Deliveries.Count(d => d.EventId == redelivered.EventId));
    }

    [Fact]
    public async Task Overflow_goes_to_the_overload_handler_then_is_dropped_with_a_warning()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient(o => { o.MaxConcurrency = 2; o.HandlerQueueCapacity = 0; o.OverloadConcurrency = 1; });
        var release = new TaskCompletionSource();
        var running = 0;
        var overloaded = new ConcurrentQueue<string>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (_, _) => { Interlocked.Increment(ref running); await release.Task; },
            OnOverload = async (e, ct) => { overloaded.Enqueue(e.Text!); await e.ReplyAsync("系统繁忙,请稍后重试", useMarkdown: false, ct); await release.Task; },
        });

        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "a");
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "b");
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref running) == 2, "two handlers running");
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "c");
        var busy = await host.Emulator.WaitForSentMessageAsync();
        var dropped = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "d");
        await host.Emulator.WaitForEventAckAsync(dropped.EventId);
        await EmulatorTestHost.WaitUntilAsync(() => host.LogLines.Any(l => l.Contains("Warning", StringComparison.Ordinal) && l.Contains(dropped.EventId, StringComparison.Ordinal)), "drop warning");

        Assert.Equal(["c"], overloaded);
        Assert.Equal("系统繁忙,请稍后重试", busy.Text);
        Assert.Equal(2, Volatile.Read(ref running));
        release.SetResult();
    }

    [Fact]
    public async Task Handler_exceptions_are_logged_with_the_event_id_and_do_not_stop_the_loop()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var ok = new TaskCompletionSource();
        await client.StartAsync(new TestHandler
        {
            OnMessage = (e, _) => e.Text == "boom" ? throw new InvalidOperationException("handler bug") : Task.Run(ok.SetResult),
        });

        var boom = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "boom");
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "fine");

        await ok.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await EmulatorTestHost.WaitUntilAsync(() => host.LogLines.Any(l => l.Contains(boom.EventId, StringComparison.Ordinal) && l.Contains("handler bug", StringComparison.Ordinal)), "handler failure log");
        Assert.Equal(MitiClientState.Connected, client.State);
    }

    [Fact]
    public async Task Cancel_cancels_the_runs_token_and_reaches_the_cancel_handler()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var started = new TaskCompletionSource<MessageEvent>();
        var tokenCancelled = new TaskCompletionSource();
        var cancelSeen = new TaskCompletionSource<CancelEvent>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                started.SetResult(e);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    Assert.True(e.CancellationToken.IsCancellationRequested);
                    tokenCancelled.SetResult();
                    throw;
                }
            },
            OnCancel = (c, _) => { cancelSeen.SetResult(c); return Task.CompletedTask; },
        });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "long task");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        host.Emulator.InjectCancel(EmulatorTestHost.AppId, injected.RunId!);

        await tokenCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var cancel = await cancelSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(injected.RunId, cancel.RunId);
        Assert.Equal("conv-u_1", cancel.ConversationId);
        Assert.DoesNotContain(host.LogLines, l => l.Contains("handler failed", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// A cancel for a run whose event is acked but still queued behind a busy worker: the run's handler never starts
    /// (before, the cancel found no running handler and was lost, and the answer the user stopped was produced anyway).
    /// </summary>
    [Fact]
    public async Task Cancel_for_a_queued_run_keeps_its_handler_from_starting()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient(o => o.MaxConcurrency = 1);
        var release = new TaskCompletionSource();
        var handled = new ConcurrentQueue<string>();
        var cancels = new ConcurrentQueue<string>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, _) =>
            {
                handled.Enqueue(e.Text ?? "");
                if (e.Text == "busy")
                {
                    await release.Task;
                }
            },
            OnCancel = (c, _) => { cancels.Enqueue(c.RunId); return Task.CompletedTask; },
        });
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "busy");
        await EmulatorTestHost.WaitUntilAsync(() => handled.Contains("busy"), "the busy handler started");
        var queued = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "queued");
        await host.Emulator.WaitForEventAckAsync(queued.EventId);

        host.Emulator.InjectCancel(EmulatorTestHost.AppId, queued.RunId!);
        await EmulatorTestHost.WaitUntilAsync(() => cancels.Contains(queued.RunId!), "the cancel handler ran");
        release.SetResult();

        // One worker takes events in order: once "after" was handled, "queued" had its turn.
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "after");
        await EmulatorTestHost.WaitUntilAsync(() => handled.Contains("after"), "the next event handled");
        Assert.Equal(["busy", "after"], handled.ToArray());
        Assert.Contains(host.LogLines, l => l.Contains("run cancelled before its handler started", StringComparison.Ordinal) && l.Contains(queued.EventId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Full_cancel_queue_drops_with_a_warning()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient(o => o.CancelQueueCapacity = 1);
        var release = new TaskCompletionSource();
        var cancels = 0;
        await client.StartAsync(new TestHandler
        {
            OnMessage = (_, _) => Task.CompletedTask,
            OnCancel = async (_, _) => { Interlocked.Increment(ref cancels); await release.Task; },
        });
        var runs = Enumerable.Range(0, 3).Select(i => host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "m" + i)).ToArray();
        foreach (var run in runs)
        {
            await host.Emulator.WaitForEventAckAsync(run.EventId);
        }

        var c0 = host.Emulator.InjectCancel(EmulatorTestHost.AppId, runs[0].RunId!);
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref cancels) == 1, "first cancel running");
        host.Emulator.InjectCancel(EmulatorTestHost.AppId, runs[1].RunId!); // queued
        var c2 = host.Emulator.InjectCancel(EmulatorTestHost.AppId, runs[2].RunId!); // queue full → dropped

        await EmulatorTestHost.WaitUntilAsync(() => host.LogLines.Any(l => l.Contains("Warning", StringComparison.Ordinal) && l.Contains(c2.EventId, StringComparison.Ordinal)), "cancel drop warning");
        release.SetResult();
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref cancels) == 2, "queued cancel ran");
        Assert.Contains(host.Emulator.EventAcks, a => a.EventId == c0.EventId);
    }
}
