using MitiAgent;
using MitiAgent.Tests.Integration;
using MitiAgent.Tests.Integration.Client;

// Outside the MitiAgent namespace on purpose, with only `using MitiAgent;` for the SDK: what an agent's code sees.
namespace ConsumerCode.ApiTests;

/// <summary>
/// Issue 10 §6 through the public API against the emulator: positional cancellation tokens, history pages with
/// <see cref="HistoryPage.HasMore"/>, and terminal calls after a cancel that return without sending.
/// </summary>
public sealed class ClientApiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Positional_cancellation_tokens_work_for_reply_append_complete_and_reply_completed()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                switch (e.Text)
                {
                    case "reply":
                        await e.ReplyAsync("**positional**", ct);
                        break;
                    case "stream":
                        MitiReplyStream stream = e.OpenStream();
                        await stream.AppendAsync("Hel", ct);
                        await stream.AppendAsync("lo", ct);
                        await stream.CompleteAsync(ct);
                        break;
                    default:
                        await e.ReplyCompletedAsync("done", ct);
                        break;
                }
            },
        });

        var reply = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "reply");
        var sent = await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == reply.MessageId, Timeout);
        Assert.Equal("stream_full", sent.MsgType); // markdown, like ReplyAsync(text)
        Assert.Equal("**positional**", sent.Text);

        var stream = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "stream");
        Assert.Equal("Hello", (await host.Emulator.WaitForFinalAnswerAsync(stream.RunId!, Timeout)).Answer);

        var completed = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "complete");
        Assert.Equal("done", (await host.Emulator.WaitForFinalAnswerAsync(completed.RunId!, Timeout)).Answer);
    }

    [Fact]
    public async Task After_a_cancel_complete_and_fail_return_without_sending()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var outcome = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                MitiReplyStream stream = e.OpenStream();
                try
                {
                    await stream.AppendAsync("partial", ct);
                    streaming.SetResult();
                    await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
                    await stream.CompleteAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    // What users write anyway: none of these may throw or send after the cancel.
                    await stream.FailAsync("cancelled", "stopped by the user", CancellationToken.None);
                    await stream.CompleteAsync(CancellationToken.None);
                    await stream.CompleteAsync("whole answer", null, CancellationToken.None);
                    await e.ReplyFailedAsync("cancelled", "again", CancellationToken.None);
                    await e.ReplyCompletedAsync("again", CancellationToken.None);
                    outcome.SetResult(stream.IsCompleted ? "ended quietly" : "still open");
                }
                catch (Exception ex)
                {
                    outcome.SetResult(ex.GetType().Name);
                }
            },
        });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "long answer");
        await streaming.Task.WaitAsync(Timeout);
        await host.Emulator.WaitForStreamFrameAsync(f => f.Frame.Seq == 1, Timeout);
        host.Emulator.InjectCancel(EmulatorTestHost.AppId, injected.RunId!);

        Assert.Equal("ended quietly", await outcome.Task.WaitAsync(Timeout));
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Equal(["delta"], host.Emulator.StreamFrames.Select(f => f.Frame.State));
        Assert.Empty(host.Emulator.FinalAnswers);
    }

    [Fact]
    public async Task Event_history_returns_a_page_with_has_more_using_only_the_MitiAgent_namespace()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var pages = new TaskCompletionSource<(HistoryPage Two, HistoryPage All, string ConversationId)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                if (e.Text != "third")
                {
                    await e.ReplyAsync("ok " + e.Text, useMarkdown: false, ct);
                    return;
                }

                try
                {
                    HistoryPage two = await e.GetHistoryAsync(2, ct);
                    HistoryPage all = await e.GetHistoryAsync(cancellationToken: ct);
                    string conversationId = e.Message.ConversationId; // non-nullable: no `!` needed
                    pages.SetResult((two, all, conversationId));
                }
                catch (Exception ex)
                {
                    pages.SetException(ex);
                }
            },
        });

        var first = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_h", "first");
        await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == first.MessageId, Timeout);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        var second = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_h", "second");
        await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == second.MessageId, Timeout);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_h", "third");

        (HistoryPage two, HistoryPage all, string conversationId) = await pages.Task.WaitAsync(Timeout);
        Assert.Equal(first.ConversationId, conversationId);
        Assert.True(two.HasMore);
        Assert.Equal(["ok second", "third"], two.Messages.Select(m => m.Content));
        Assert.False(all.HasMore);
        Assert.Equal(["first", "ok first", "second", "ok second", "third"], all.Select(m => m.Content));
        Assert.Equal(5, all.Count);
        HistoryMessage newest = all[^1];
        Assert.Equal("user", newest.Role);
        Assert.Equal("u_h", newest.SenderId);
    }

    [Fact]
    public async Task A_message_event_without_conversation_id_is_acked_and_skipped_as_malformed()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var texts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.StartAsync(new TestHandler
        {
            OnMessage = (e, _) =>
            {
                texts.Enqueue(e.Text + "@" + e.Message.ConversationId);
                if (e.Text == "with conversation")
                {
                    handled.TrySetResult();
                }

                return Task.CompletedTask;
            },
        });
        string conn = host.Emulator.GetConnections().Single().ConnId;

        host.Emulator.Faults.SendMalformedFrame(conn, """
            {"type":"event","header":{"event_id":"evt-noconv","event_type":"im.message.receive","create_time":1},
             "event":{"sender":{"user_id":"u_1"},"message":{"message_id":"m-noconv","msg_type":"text","content":{"text":"without conversation"},"create_time":1},
                      "run_id":"run-noconv","assistant_msg_id":"am-noconv"}}
            """.ReplaceLineEndings(string.Empty));
        var good = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "with conversation");

        await handled.Task.WaitAsync(Timeout);
        await host.Emulator.WaitForEventAckAsync("evt-noconv", Timeout); // acked, so it is not redelivered forever
        Assert.Equal(["with conversation@" + good.ConversationId], texts);
        Assert.Equal(conn, host.Emulator.GetConnections().Single().ConnId);
    }

    [Fact]
    public async Task Event_history_validates_the_limit_before_any_request()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var errors = new TaskCompletionSource<Exception[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                var low = await Record(() => e.GetHistoryAsync(0, ct));
                var high = await Record(() => e.GetHistoryAsync(101, ct));
                errors.SetResult([low, high]);
            },
        });

        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");

        Exception[] thrown = await errors.Task.WaitAsync(Timeout);
        Assert.All(thrown, ex => Assert.IsType<ArgumentOutOfRangeException>(ex));
        Assert.DoesNotContain(host.Emulator.Requests, r => r.Path.EndsWith("/messages", StringComparison.Ordinal) && r.Path.Contains("/conversations/", StringComparison.Ordinal));

        static async Task<Exception> Record(Func<Task> call)
        {
            try
            {
                await call();
                return new InvalidOperationException("no exception");
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }
}
