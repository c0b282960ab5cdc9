using Microsoft.Extensions.Time.Testing;
using MitiAgent.Protocol;

namespace MitiAgent.Tests;

public class ReplyStreamTests
{
    private static (FakeTimeProvider Time, FakeSink Sink, MessageEvent Event) Create()
    {
        var time = new FakeTimeProvider();
        var sink = new FakeSink(time);
        return (time, sink, Frames.Event<MessageEvent>(Frames.DirectMessage, sink));
    }

    [Fact]
    public async Task First_delta_leaves_at_once_and_fast_deltas_are_coalesced()
    {
        (FakeTimeProvider time, FakeSink sink, MessageEvent ev) = Create();
        MitiReplyStream stream = ev.OpenStream();
        Assert.Equal("run-5d1e", stream.RunId);
        Assert.Equal("msg-77ab", stream.AssistantMsgId);

        await stream.AppendAsync("Hel");
        StreamFrame first = Assert.Single(sink.Deltas);
        Assert.Equal(1, first.Seq);
        Assert.Equal("delta", first.State);
        Assert.Equal("Hel", first.Delta);
        Assert.Equal("run-5d1e", first.RunId);
        Assert.Equal("msg-77ab", first.AssistantMsgId);
        Assert.StartsWith("aevt-", first.EventId, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromMilliseconds(10));
        await stream.AppendAsync("lo", "think");
        time.Advance(TimeSpan.FromMilliseconds(10));
        await stream.AppendAsync("!");
        Assert.Single(sink.Deltas);

        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(2, sink.Deltas.Count);
        Assert.Equal(2, sink.Deltas[1].Seq);
        Assert.Equal("lo!", sink.Deltas[1].Delta);
        Assert.Equal("think", sink.Deltas[1].ReasoningDelta);

        // Nothing pending: the timer sends nothing more.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, sink.Deltas.Count);

        // Long after the last frame, a write leaves at once.
        await stream.AppendAsync(" more");
        Assert.Equal(3, sink.Deltas.Count);
        Assert.Equal("Hello! more", stream.Answer);
    }

    [Fact]
    public async Task At_most_one_delta_per_interval_under_a_fast_producer()
    {
        (FakeTimeProvider time, FakeSink sink, MessageEvent ev) = Create();
        MitiReplyStream stream = ev.OpenStream();
        for (int i = 0; i < 1000; i++)
        {
            await stream.AppendAsync("t");
            time.Advance(TimeSpan.FromMilliseconds(2));
        }

        // 2 s of tokens every 2 ms: at most one frame per 50 ms (+1 for the first).
        Assert.InRange(sink.Deltas.Count, 2, (2000 / 50) + 1);
        Assert.Equal(string.Concat(sink.Deltas.Select(d => d.Delta)), stream.Answer[..sink.Deltas.Sum(d => d.Delta!.Length)]);
        int[] seqs = [.. sink.Deltas.Select(d => d.Seq)];
        Assert.Equal(Enumerable.Range(1, seqs.Length), seqs);
    }

    [Fact]
    public async Task Complete_sends_the_whole_answer_with_the_next_seq()
    {
        (FakeTimeProvider time, FakeSink sink, MessageEvent ev) = Create();
        MitiReplyStream stream = ev.OpenStream();
        await stream.AppendAsync("Hello", "r1");
        await stream.AppendAsync(" world", "r2");
        await stream.CompleteAsync();

        StreamFrame terminal = Assert.Single(sink.Terminals);
        Assert.Equal("completed", terminal.State);
        Assert.Equal("Hello world", terminal.Answer);
        Assert.Equal("r1r2", terminal.Reasoning);
        Assert.Equal(2, terminal.Seq);
        Assert.True(stream.IsCompleted);

        // The pending delta is superseded by the terminal frame, and the timer is gone.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(sink.Deltas);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await stream.AppendAsync("late"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => stream.CompleteAsync());
    }

    [Fact]
    public async Task ReplyCompleted_without_a_stream_uses_seq_1_and_the_event_ids()
    {
        (_, FakeSink sink, MessageEvent ev) = Create();
        await ev.ReplyCompletedAsync("Hello! ...", "because");

        StreamFrame terminal = Assert.Single(sink.Terminals);
        Assert.Equal(1, terminal.Seq);
        Assert.Equal("run-5d1e", terminal.RunId);
        Assert.Equal("msg-77ab", terminal.AssistantMsgId);
        Assert.Equal("Hello! ...", terminal.Answer);
        Assert.Equal("because", terminal.Reasoning);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ev.ReplyCompletedAsync("again"));
    }

    [Fact]
    public async Task ReplyCompleted_after_streaming_continues_the_seq()
    {
        (_, FakeSink sink, MessageEvent ev) = Create();
        MitiReplyStream stream = ev.OpenStream();
        await stream.AppendAsync("a");
        await ev.ReplyCompletedAsync("final answer");
        Assert.Equal(2, Assert.Single(sink.Terminals).Seq);
        Assert.True(stream.IsCompleted);
    }

    [Fact]
    public async Task Failed_frame_carries_the_error()
    {
        (_, FakeSink sink, MessageEvent ev) = Create();
        await ev.ReplyFailedAsync("model_error", "upstream timed out");
        StreamFrame terminal = Assert.Single(sink.Terminals);
        Assert.Equal("failed", terminal.State);
        Assert.Equal("model_error", terminal.Error?.Code);
        Assert.Equal("upstream timed out", terminal.Error?.Msg);
        Assert.Null(terminal.Answer);
    }

    [Fact]
    public async Task Terminal_frames_have_unique_event_ids()
    {
        (_, FakeSink sinkA, MessageEvent a) = Create();
        (_, FakeSink sinkB, MessageEvent b) = Create();
        await a.ReplyCompletedAsync("x");
        await b.ReplyCompletedAsync("x");
        Assert.NotEqual(sinkA.Terminals[0].EventId, sinkB.Terminals[0].EventId);
    }

    [Fact]
    public async Task Cancelled_run_stops_deltas()
    {
        (FakeTimeProvider time, FakeSink sink, MessageEvent ev) = Create();
        using var cts = new CancellationTokenSource();
        ev.CancellationToken = cts.Token;
        MitiReplyStream stream = ev.OpenStream();
        await stream.AppendAsync("a");
        time.Advance(TimeSpan.FromMilliseconds(10));
        await stream.AppendAsync("b");

        await cts.CancelAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(sink.Deltas);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.AppendAsync("c"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.FlushAsync());

        // Terminal calls after the cancel return at once without sending, however often they come.
        await stream.CompleteAsync();
        await stream.FailAsync("cancelled", "stopped");
        await stream.CompleteAsync("whole", "reasoning", CancellationToken.None);
        await ev.ReplyCompletedAsync("again");
        await ev.ReplyFailedAsync("cancelled", "again");
        Assert.True(stream.IsCompleted);
        Assert.Empty(sink.Terminals);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.AppendAsync("d"));
    }

    [Fact]
    public async Task Cancel_after_complete_leaves_the_completed_stream_alone()
    {
        (_, FakeSink sink, MessageEvent ev) = Create();
        using var cts = new CancellationTokenSource();
        ev.CancellationToken = cts.Token;
        MitiReplyStream stream = ev.OpenStream();
        await stream.AppendAsync("a");
        await stream.CompleteAsync();
        await cts.CancelAsync();

        await stream.CompleteAsync();
        Assert.Single(sink.Terminals);
    }

    [Fact]
    public async Task Positional_cancellation_tokens_select_the_token_overloads()
    {
        (FakeTimeProvider time, FakeSink sink, MessageEvent ev) = Create();
        using var cts = new CancellationTokenSource();
        CancellationToken ct = cts.Token;

        await ev.ReplyAsync("**md**", ct);
        Assert.Equal("stream_full", Assert.Single(sink.Sent).MsgType);

        MitiReplyStream stream = ev.OpenStream();
        await stream.AppendAsync("a", ct);
        time.Advance(TimeSpan.FromMilliseconds(50));
        await stream.AppendAsync("b", ct);
        await stream.CompleteAsync(ct);
        Assert.Equal(["a", "b"], sink.Deltas.Select(d => d.Delta));
        Assert.Null(sink.Deltas[1].ReasoningDelta);
        Assert.Equal("ab", Assert.Single(sink.Terminals).Answer);

        MessageEvent other = Frames.Event<MessageEvent>(Frames.DirectMessage, sink);
        await other.ReplyCompletedAsync("done", ct);
        Assert.Equal("done", sink.Terminals[1].Answer);
        Assert.Null(sink.Terminals[1].Reasoning);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Frames.Event<MessageEvent>(Frames.DirectMessage, sink).OpenStream().AppendAsync("x", ct).AsTask());
    }

    [Fact]
    public async Task A_sink_without_history_says_so()
    {
        (_, _, MessageEvent ev) = Create();
        await Assert.ThrowsAsync<NotSupportedException>(() => ev.GetHistoryAsync(5));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ev.GetHistoryAsync(0));
    }

    [Fact]
    public async Task Lost_deltas_do_not_break_the_stream()
    {
        (FakeTimeProvider time, FakeSink sink, MessageEvent ev) = Create();
        sink.Connected = false;
        MitiReplyStream stream = ev.OpenStream();
        await stream.AppendAsync("a");
        time.Advance(TimeSpan.FromMilliseconds(60));
        await stream.AppendAsync("b");
        await stream.CompleteAsync();
        Assert.Equal("ab", sink.Terminals[0].Answer);
        Assert.Equal(3, sink.Terminals[0].Seq);
    }

    [Fact]
    public async Task Flush_sends_pending_text_once_the_interval_allows()
    {
        (FakeTimeProvider time, FakeSink sink, MessageEvent ev) = Create();
        MitiReplyStream stream = ev.OpenStream();
        await stream.AppendAsync("a");
        await stream.AppendAsync("b");
        await stream.FlushAsync();
        Assert.Equal(["a"], sink.Deltas.Select(d => d.Delta)); // never two frames within one interval
        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(["a", "b"], sink.Deltas.Select(d => d.Delta));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, sink.Deltas.Count);
    }

    [Fact]
    public void Stream_rules()
    {
        (_, FakeSink sink, MessageEvent ev) = Create();
        ev.OpenStream();
        Assert.Throws<InvalidOperationException>(ev.OpenStream);

        MessageEvent noRun = Frames.Event<MessageEvent>(
            """
            {"type": "event", "header": {"event_id": "e", "event_type": "im.message.receive"},
             "event": {"sender": {"user_id": "u"}, "message": {"message_id": "m", "conversation_id": "c", "msg_type": "text", "content": {"text": "x"}}}}
            """,
            sink);
        Assert.Null(noRun.RunId);
        Assert.Throws<InvalidOperationException>(noRun.OpenStream);
        Assert.Throws<InvalidOperationException>(() => { _ = noRun.ReplyCompletedAsync("x"); });
    }
}
