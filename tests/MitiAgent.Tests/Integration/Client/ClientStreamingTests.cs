using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

public sealed class ClientStreamingTests
{
    /// <summary>Starts a client whose message handler hands the event to the test and waits until released.</summary>
    private static async Task<(EmulatorTestHost Host, MitiAgentClient Client, MessageEvent Event, Emulator.InjectedEvent Injected, TaskCompletionSource Release)> StartWithEventAsync()
    {
        var host = await EmulatorTestHost.StartAsync();
        var client = host.CreateClient();
        var got = new TaskCompletionSource<MessageEvent>();
        var release = new TaskCompletionSource();
        await client.StartAsync(new TestHandler { OnMessage = async (e, _) => { got.SetResult(e); await release.Task; } });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "stream please");
        var e = await got.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return (host, client, e, injected, release);
    }

    [Fact]
    public async Task Deltas_are_coalesced_to_one_frame_per_50ms_and_the_final_frame_carries_the_whole_answer()
    {
        var (host, client, e, injected, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;

        var stream = e.OpenStream();
        await stream.AppendAsync("Hel", "think");
        await host.Emulator.WaitForStreamFrameAsync(f => f.Frame.Seq == 1);
        await stream.AppendAsync("lo");
        await stream.AppendAsync(", wor");
        await stream.AppendAsync("ld");
        await Task.Delay(100);
        Assert.Single(host.Emulator.StreamFrames); // the rest waits for the interval
        host.Time.Advance(TimeSpan.FromMilliseconds(50));
        var second = await host.Emulator.WaitForStreamFrameAsync(f => f.Frame.Seq == 2);
        Assert.Equal("lo, world", second.Frame.Delta);

        await stream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal("Hello, world", final.Answer);
        Assert.Equal("think", final.Reasoning);
        Assert.Equal("Hello, world", final.StreamedText);
        Assert.Equal([1, 2, 3], host.Emulator.StreamFrames.Select(f => f.Frame.Seq));
        Assert.All(host.Emulator.StreamFrames, f => Assert.Equal(injected.AssistantMsgId, f.Frame.AssistantMsgId));
        Assert.Equal(3, host.Emulator.StreamFrames.Select(f => f.Frame.EventId).Distinct().Count());
        release.SetResult();
    }

    [Fact]
    public async Task Reply_completed_sends_one_terminal_frame()
    {
        var (host, client, e, injected, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;

        await e.ReplyCompletedAsync("The answer is 42.", "Because.").WaitAsync(TimeSpan.FromSeconds(10));

        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal("completed", final.State);
        Assert.Equal("The answer is 42.", final.Answer);
        Assert.Single(host.Emulator.StreamFrames);
        release.SetResult();
    }

    [Fact]
    public async Task Reply_completed_with_explicit_seq_run_and_message_ids_like_the_reference()
    {
        var (host, client, e, injected, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;

        await e.ReplyCompletedAsync("explicit", "why", seq: 7, runId: injected.RunId, assistantMsgId: injected.AssistantMsgId).WaitAsync(TimeSpan.FromSeconds(10));

        var frame = Assert.Single(host.Emulator.StreamFrames).Frame;
        Assert.Equal(7, frame.Seq);
        Assert.Equal(injected.RunId, frame.RunId);
        Assert.Equal(injected.AssistantMsgId, frame.AssistantMsgId);
        Assert.Equal("explicit", (await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!)).Answer);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => e.ReplyCompletedAsync("x", null, seq: 0));
        var rejected = await Assert.ThrowsAsync<MitiApiException>(() => e.ReplyCompletedAsync("again", null, seq: 8));
        Assert.Equal(WireNames.Codes.InvalidParameter, rejected.Code); // the run already finished
        release.SetResult();
    }

    [Fact]
    public async Task Lost_acks_make_the_final_frame_resend_with_the_same_event_id_and_the_user_sees_one_answer()
    {
        var (host, client, e, injected, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;
        host.Emulator.Faults.DropAcks(2);

        var complete = e.ReplyCompletedAsync("once");
        await host.AdvanceUntilAsync(() => complete.IsCompleted, TimeSpan.FromMilliseconds(500), "acked final frame");
        await complete;

        var frames = host.Emulator.StreamFrames;
        Assert.Equal(3, frames.Count);
        Assert.Single(frames.Select(f => f.Frame.EventId).Distinct());
        Assert.Single(host.Emulator.FinalAnswers);
        Assert.Equal(2, host.LogLines.Count(l => l.Contains("retry", StringComparison.OrdinalIgnoreCase) && l.Contains(frames[0].Frame.EventId!, StringComparison.Ordinal)));
        release.SetResult();
    }

    [Fact]
    public async Task Final_frame_never_acked_fails_with_a_timeout_after_five_attempts()
    {
        var (host, client, e, _, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;
        host.Emulator.Faults.DropAcks(10);

        var complete = e.ReplyCompletedAsync("nobody listens");
        await host.AdvanceUntilAsync(() => complete.IsCompleted, TimeSpan.FromMilliseconds(500), "gave up");

        var ex = await Assert.ThrowsAsync<MitiTimeoutException>(() => complete);
        Assert.Equal(5, ex.Attempts);
        Assert.Equal(5, host.Emulator.StreamFrames.Count);
        release.SetResult();
    }

    [Fact]
    public async Task Final_frame_is_resent_on_the_next_connection_after_a_drop()
    {
        var (host, client, e, injected, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;
        host.Emulator.Faults.DropAcks(1);
        string first = host.Emulator.GetConnections().Single().ConnId;

        var complete = e.ReplyCompletedAsync("survives reconnects");
        await host.Emulator.WaitForStreamFrameAsync(f => f.ConnId == first);
        host.Emulator.Faults.DropConnection(first);
        await host.AdvanceUntilAsync(() => complete.IsCompleted, TimeSpan.FromMilliseconds(250), "acked on the new connection");
        await complete;

        var frames = host.Emulator.StreamFrames;
        Assert.Equal(2, frames.Count);
        Assert.NotEqual(frames[0].ConnId, frames[1].ConnId);
        Assert.Equal(frames[0].Frame.EventId, frames[1].Frame.EventId);
        Assert.Equal("survives reconnects", Assert.Single(host.Emulator.FinalAnswers).Answer);
        release.SetResult();
    }

    [Fact]
    public async Task After_a_cancel_no_more_deltas_are_sent()
    {
        var (host, client, e, injected, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;
        var stream = e.OpenStream();
        await stream.AppendAsync("partial");
        await host.Emulator.WaitForStreamFrameAsync(f => f.Frame.Seq == 1);

        host.Emulator.InjectCancel(EmulatorTestHost.AppId, injected.RunId!);
        await EmulatorTestHost.WaitUntilAsync(() => e.CancellationToken.IsCancellationRequested, "run cancelled");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.AppendAsync(" more").AsTask());
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Single(host.Emulator.StreamFrames);
        release.SetResult();
    }

    [Fact]
    public async Task Stop_waits_for_a_pending_final_frame()
    {
        var (host, client, e, injected, release) = await StartWithEventAsync();
        await using var _h = host;
        await using var _c = client;
        host.Emulator.Faults.DelayAcks(TimeSpan.FromSeconds(1));
        release.SetResult(); // the handler returns; the final frame is sent fire-and-forget by the test
        var complete = e.ReplyCompletedAsync("before shutdown");
        await host.Emulator.WaitForStreamFrameAsync(_ => true);

        var stop = client.StopAsync();
        await Task.Delay(100);
        Assert.False(stop.IsCompleted);
        host.Time.Advance(TimeSpan.FromSeconds(1));

        await complete.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(host.Emulator.FinalAnswers);
    }
}
