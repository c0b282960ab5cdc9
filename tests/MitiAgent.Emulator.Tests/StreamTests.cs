using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

public sealed class StreamTests
{
    private static string Delta(string eventId, InjectedEvent run, int seq, string delta, string? reasoning = null) =>
        JsonSerializer.Serialize(
            new StreamFrame { EventId = eventId, RunId = run.RunId, AssistantMsgId = run.AssistantMsgId, Seq = seq, State = "delta", Delta = delta, ReasoningDelta = reasoning },
            MitiJsonContext.Default.StreamFrame);

    private static string Completed(string eventId, InjectedEvent run, int seq, string answer, string? reasoning = null) =>
        JsonSerializer.Serialize(
            new StreamFrame { EventId = eventId, RunId = run.RunId, AssistantMsgId = run.AssistantMsgId, Seq = seq, State = "completed", Answer = answer, Reasoning = reasoning },
            MitiJsonContext.Default.StreamFrame);

    private static async Task<(EmulatorHarness H, RawGateway Gw, InjectedEvent Run, string Token)> StartRunAsync()
    {
        var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var gw = await h.ConnectAsync(token);
        var run = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "tell me");
        var evt = await gw.ReceiveAsync("event");
        await gw.AckAsync(run.EventId);
        return (h, gw, run, token);
    }

    [Fact]
    public async Task Deltas_build_the_assistant_message_and_completed_replaces_it_with_the_whole_answer()
    {
        var (h, gw, run, token) = await StartRunAsync();
        await using var _ = h;

        Assert.Single(h.Emulator.GetConversation(EmulatorHarness.AppId, "conv-u_1")); // no empty assistant message yet

        await gw.SendAsync(Delta("aevt-1", run, 1, "Hel", "think"));
        await gw.SendAsync(Delta("aevt-2", run, 2, "lo", "ing"));
        await h.Emulator.WaitForStreamFrameAsync(f => f.Frame.EventId == "aevt-2");
        var partial = h.Emulator.GetConversation(EmulatorHarness.AppId, "conv-u_1");
        Assert.Equal(2, partial.Count);
        Assert.Equal(run.AssistantMsgId, partial[1].MessageId);
        Assert.Equal("assistant", partial[1].Role);
        Assert.Equal("Hello", partial[1].Content);
        Assert.True(await gw.ReceivesNothingAsync(TimeSpan.FromMilliseconds(100))); // deltas are not acked

        await gw.SendAsync(Completed("aevt-3", run, 3, "Hello! How can I help?", "thinking"));

        var ack = await gw.ReceiveAsync("ack");
        Assert.Equal("aevt-3", ack.GetProperty("event_id").GetString());
        Assert.Equal(0, ack.GetProperty("code").GetInt32());
        var final = await h.Emulator.WaitForFinalAnswerAsync(run.RunId!);
        Assert.Equal("completed", final.State);
        Assert.Equal("Hello! How can I help?", final.Answer);
        Assert.Equal("thinking", final.Reasoning);
        Assert.Equal("Hello", final.StreamedText);
        Assert.Equal(run.AssistantMsgId, final.AssistantMsgId);

        var (_, history) = await h.HistoryAsync(token, "conv-u_1");
        var messages = history.GetProperty("data").GetProperty("messages");
        Assert.Equal("Hello! How can I help?", messages[1].GetProperty("content").GetString());
        Assert.Equal("stream_full", messages[1].GetProperty("msg_type").GetString());
        Assert.Equal(EmulatorHarness.AppId, messages[1].GetProperty("sender_id").GetString());
    }

    [Fact]
    public async Task Resent_terminal_frame_is_acked_again_but_applied_once()
    {
        var (h, gw, run, _) = await StartRunAsync();
        await using var _h = h;

        await gw.SendAsync(Completed("aevt-9", run, 1, "only once"));
        await gw.ReceiveAsync("ack");
        await gw.SendAsync(Completed("aevt-9", run, 1, "only once"));
        var second = await gw.ReceiveAsync("ack");

        Assert.Equal("aevt-9", second.GetProperty("event_id").GetString());
        Assert.Equal(0, second.GetProperty("code").GetInt32());
        Assert.Single(h.Emulator.FinalAnswers);
        Assert.Equal(2, h.Emulator.StreamFrames.Count(f => f.Frame.EventId == "aevt-9"));
        Assert.Equal(2, h.Emulator.GetConversation(EmulatorHarness.AppId, "conv-u_1").Count);
    }

    [Fact]
    public async Task Resent_terminal_frame_on_a_new_connection_is_deduplicated()
    {
        var (h, gw, run, token) = await StartRunAsync();
        await using var _h = h;
        h.Emulator.Faults.DropAcks(1);
        await gw.SendAsync(Completed("aevt-5", run, 1, "answer"));
        await h.Emulator.WaitForFinalAnswerAsync(run.RunId!);
        Assert.True(await gw.ReceivesNothingAsync());

        var gw2 = await h.ConnectAsync(token);
        await gw2.SendAsync(Completed("aevt-5", run, 1, "answer"));

        var ack = await gw2.ReceiveAsync("ack");
        Assert.Equal(0, ack.GetProperty("code").GetInt32());
        Assert.Single(h.Emulator.FinalAnswers);
    }

    [Fact]
    public async Task Failed_frame_finishes_the_run_with_the_error()
    {
        var (h, gw, run, _) = await StartRunAsync();
        await using var _h = h;

        await gw.SendAsync($$$"""{"type":"stream","event_id":"aevt-f","run_id":"{{{run.RunId}}}","assistant_msg_id":"{{{run.AssistantMsgId}}}","seq":1,"state":"failed","error":{"code":"model_error","msg":"upstream timeout"}}""");

        Assert.Equal(0, (await gw.ReceiveAsync("ack")).GetProperty("code").GetInt32());
        var final = await h.Emulator.WaitForFinalAnswerAsync(run.RunId!);
        Assert.Equal("failed", final.State);
        Assert.Equal("model_error", final.Error!.Code);
        Assert.Equal("upstream timeout", final.Error.Msg);
    }

    [Fact]
    public async Task Second_terminal_frame_with_another_event_id_is_rejected_with_10003()
    {
        var (h, gw, run, _) = await StartRunAsync();
        await using var _h = h;
        await gw.SendAsync(Completed("aevt-1", run, 1, "first"));
        await gw.ReceiveAsync("ack");

        await gw.SendAsync(Completed("aevt-2", run, 2, "second"));

        var ack = await gw.ReceiveAsync("ack");
        Assert.Equal("aevt-2", ack.GetProperty("event_id").GetString());
        Assert.Equal(WireNames.Codes.InvalidParameter, ack.GetProperty("code").GetInt32());
        Assert.Equal("first", Assert.Single(h.Emulator.FinalAnswers).Answer);
    }

    [Fact]
    public async Task Terminal_frame_for_a_cancelled_run_is_acked_with_10003_and_deltas_are_ignored()
    {
        var (h, gw, run, _) = await StartRunAsync();
        await using var _h = h;
        await gw.SendAsync(Delta("aevt-1", run, 1, "partial"));
        await h.Emulator.WaitForStreamFrameAsync(f => f.Frame.EventId == "aevt-1");

        h.Emulator.InjectCancel(EmulatorHarness.AppId, run.RunId!);
        await gw.ReceiveAsync("event");
        await gw.SendAsync(Delta("aevt-2", run, 2, " more"));
        await gw.SendAsync(Completed("aevt-3", run, 3, "done"));

        var ack = await gw.ReceiveAsync("ack");
        Assert.Equal("aevt-3", ack.GetProperty("event_id").GetString());
        Assert.Equal(WireNames.Codes.InvalidParameter, ack.GetProperty("code").GetInt32());
        Assert.Empty(h.Emulator.FinalAnswers);
        Assert.Equal("partial", h.Emulator.GetConversation(EmulatorHarness.AppId, "conv-u_1")[1].Content);
    }

    [Fact]
    public async Task Terminal_frame_for_an_unknown_run_is_acked_with_10013()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        await gw.SendAsync("""{"type":"stream","event_id":"aevt-x","run_id":"run-nope","seq":1,"state":"completed","answer":"?"}""");

        var ack = await gw.ReceiveAsync("ack");
        Assert.Equal(WireNames.Codes.NotFound, ack.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Terminal_frame_with_a_foreign_assistant_msg_id_is_rejected()
    {
        var (h, gw, run, _) = await StartRunAsync();
        await using var _h = h;

        await gw.SendAsync($$"""{"type":"stream","event_id":"aevt-1","run_id":"{{run.RunId}}","assistant_msg_id":"msg-other","seq":1,"state":"completed","answer":"x"}""");

        Assert.Equal(WireNames.Codes.InvalidParameter, (await gw.ReceiveAsync("ack")).GetProperty("code").GetInt32());
        Assert.Empty(h.Emulator.FinalAnswers);
    }

    [Fact]
    public async Task A_run_answered_with_send_leaves_no_empty_assistant_message()
    {
        var (h, _, run, token) = await StartRunAsync();
        await using var _h = h;

        var (_, sent) = await h.SendAsync(token, $$"""{"to_user_id":"u_1","msg_type":"text","content":{"text":"plain reply"},"reply_to_message_id":"{{run.MessageId}}"}""");
        Assert.Equal(0, sent.GetProperty("code").GetInt32());

        var conversation = h.Emulator.GetConversation(EmulatorHarness.AppId, "conv-u_1");
        Assert.Equal(2, conversation.Count);
        Assert.DoesNotContain(conversation, m => m.MessageId == run.AssistantMsgId);
        Assert.Equal("plain reply", conversation[1].Content);
    }
}
