using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using MitiAgent.Protocol;
using static MitiAgent.AI.Tests.ScriptedChatClient;
using TextContent = Microsoft.Extensions.AI.TextContent;

namespace MitiAgent.AI.Tests;

/// <summary><c>e.ReplyWithChatClientAsync(chatClient)</c> against the emulator with a scripted <see cref="IChatClient"/>.</summary>
public sealed class ReplyWithChatClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task History_is_mapped_in_order_with_roles_and_the_current_message_comes_last()
    {
        var model = new ScriptedChatClient((call, _) => Updates(Text("answer " + call)));
        var results = new System.Collections.Concurrent.ConcurrentQueue<MitiStreamResult>();
        await using var agent = await EmulatorAgent.StartAsync(new ChatTestHandler(async (e, ct) =>
            results.Enqueue(await e.ReplyWithChatClientAsync(model, new MitiChatReplyOptions { SystemPrompt = "Be brief." }, ct))));

        var first = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "first question");
        Assert.Equal("answer 1", (await agent.Emulator.WaitForFinalAnswerAsync(first.RunId!)).Answer);
        var second = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "second question");
        Assert.Equal("answer 2", (await agent.Emulator.WaitForFinalAnswerAsync(second.RunId!)).Answer);

        IReadOnlyList<ChatMessage> sent = model.Calls.ElementAt(1);
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], sent.Select(m => m.Role));
        Assert.Equal(["Be brief.", "first question", "answer 1", "second question"], sent.Select(m => m.Text));
        Assert.Equal(first.MessageId, sent[1].MessageId);
        Assert.Equal("u_1", sent[1].AuthorName);
        Assert.Equal(second.MessageId, sent[3].MessageId);
        Assert.Equal("u_1", sent[3].AuthorName);
        Assert.All(results, r => Assert.Equal(MitiStreamOutcome.Completed, r.Outcome));
    }

    [Fact]
    public async Task History_depth_limits_the_earlier_messages_and_zero_sends_only_the_current_one()
    {
        var model = new ScriptedChatClient((call, _) => Updates(Text("a" + call)));
        int depth = 2;
        await using var agent = await EmulatorAgent.StartAsync(new ChatTestHandler((e, ct) =>
            e.ReplyWithChatClientAsync(model, new MitiChatReplyOptions { HistoryDepth = depth }, ct)));
        for (int i = 1; i <= 3; i++)
        {
            var injected = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "q" + i);
            await agent.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        }

        Assert.Equal(["q2", "a2", "q3"], model.Calls.ElementAt(2).Select(m => m.Text));
        depth = 0;
        var last = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "q4");
        await agent.Emulator.WaitForFinalAnswerAsync(last.RunId!);
        Assert.Equal(["q4"], model.Calls.ElementAt(3).Select(m => m.Text));
    }

    [Fact]
    public async Task Image_messages_become_image_contents_with_their_media_type()
    {
        var model = new ScriptedChatClient((_, _) => Updates(Text("a cat")));
        await using var agent = await EmulatorAgent.StartAsync(new ChatTestHandler((e, ct) =>
            e.ReplyWithChatClientAsync(model, new MitiChatReplyOptions { HistoryDepth = 0 }, ct)));
        var content = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["text"] = "what is this?",
            ["images"] = new object[]
            {
                new Dictionary<string, string> { ["url"] = "https://img.example.test/cat.png", ["mime_type"] = "image/png" },
                new Dictionary<string, string> { ["url"] = "https://img.example.test/photo.JPG" },
                new Dictionary<string, string> { ["url"] = "data:image/gif;base64,R0lGODlhAQABAAAAACw=" },
            },
        });
        var injected = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", WireNames.MsgTypes.Multimodal, content);
        await agent.Emulator.WaitForFinalAnswerAsync(injected.RunId!);

        ChatMessage message = Assert.Single(Assert.Single(model.Calls));
        Assert.Equal(ChatRole.User, message.Role);
        Assert.Collection(
            message.Contents,
            c => Assert.Equal("what is this?", Assert.IsType<TextContent>(c).Text),
            c =>
            {
                var uri = Assert.IsType<UriContent>(c);
                Assert.Equal(new Uri("https://img.example.test/cat.png"), uri.Uri);
                Assert.Equal("image/png", uri.MediaType);
            },
            c => Assert.Equal("image/jpeg", Assert.IsType<UriContent>(c).MediaType),
            c =>
            {
                var data = Assert.IsType<DataContent>(c);
                Assert.Equal("image/gif", data.MediaType);
                Assert.True(data.HasTopLevelMediaType("image"));
                Assert.Equal(Convert.FromBase64String("R0lGODlhAQABAAAAACw="), data.Data.ToArray());
            });
    }

    [Fact]
    public async Task A_group_at_is_sent_without_its_leading_mentions()
    {
        var model = new ScriptedChatClient((_, _) => Updates(Text("news")));
        await using var agent = await EmulatorAgent.StartAsync(new ChatTestHandler((e, ct) =>
            e.ReplyWithChatClientAsync(model, new MitiChatReplyOptions { HistoryDepth = 0 }, ct)));
        var injected = agent.Emulator.InjectGroupAt(EmulatorAgent.AppId, "sg_team", "u_1", "what's new?");
        await agent.Emulator.WaitForFinalAnswerAsync(injected.RunId!);

        ChatMessage message = Assert.Single(Assert.Single(model.Calls));
        Assert.Equal("what's new?", message.Text);
    }

    [Fact]
    public async Task Reasoning_and_answer_deltas_go_to_their_own_frames_and_the_run_completes_with_both()
    {
        EmulatorAgent? agent = null;
        async IAsyncEnumerable<ChatResponseUpdate> Script(int call, [EnumeratorCancellation] CancellationToken ct)
        {
            // 60 ms of (fake) time between updates: more than the 50 ms interval, so each leaves in a frame of its own.
            yield return Reasoning("Let me think.");
            await Task.Yield();
            agent!.Time.Advance(TimeSpan.FromMilliseconds(60));
            yield return Text("Hello");
            agent.Time.Advance(TimeSpan.FromMilliseconds(60));
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent(" Done."), new TextContent(", world")]);
        }

        var model = new ScriptedChatClient(Script);
        var result = new TaskCompletionSource<MitiStreamResult>();
        agent = await EmulatorAgent.StartAsync(new ChatTestHandler(async (e, ct) =>
            result.SetResult(await e.ReplyWithChatClientAsync(model, cancellationToken: ct))));
        await using var _ = agent;
        var injected = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "hi");
        MitiStreamResult sent = await result.Task.WaitAsync(Wait);

        var final = await agent.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal("Hello, world", final.Answer);
        Assert.Equal("Let me think. Done.", final.Reasoning);
        var frames = agent.Emulator.StreamFrames.Select(f => f.Frame).ToList();
        Assert.Equal(4, frames.Count);
        Assert.Equal((null, "Let me think."), (frames[0].Delta, frames[0].ReasoningDelta));
        Assert.Equal(("Hello", null), (frames[1].Delta, frames[1].ReasoningDelta));
        Assert.Equal((", world", " Done."), (frames[2].Delta, frames[2].ReasoningDelta));
        Assert.Equal(WireNames.StreamStates.Completed, frames[3].State);
        Assert.Equal([1, 2, 3, 4], frames.Select(f => f.Seq));
        Assert.Equal(4, sent.Frames);
        Assert.Equal("Hello, world", sent.Answer);
    }

    [Fact]
    public async Task A_cancel_mid_stream_cancels_the_model_call_and_sends_no_terminal_frame()
    {
        async IAsyncEnumerable<ChatResponseUpdate> Script(int call, [EnumeratorCancellation] CancellationToken ct)
        {
            yield return Text("Once upon");
            await Task.Delay(Timeout.Infinite, ct);
            yield return Text(" a time");
        }

        var model = new ScriptedChatClient(Script);
        var result = new TaskCompletionSource<MitiStreamResult>();
        await using var agent = await EmulatorAgent.StartAsync(new ChatTestHandler(async (e, ct) =>
            result.SetResult(await e.ReplyWithChatClientAsync(model, cancellationToken: ct))));
        var injected = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "tell me a story");
        await agent.Emulator.WaitForStreamFrameAsync(f => f.Frame.RunId == injected.RunId && f.Frame.Seq == 1);

        agent.Emulator.InjectCancel(EmulatorAgent.AppId, injected.RunId!);
        MitiStreamResult sent = await result.Task.WaitAsync(Wait);
        await model.TokenCancelled.Task.WaitAsync(Wait);
        await model.Finished.Task.WaitAsync(Wait);

        Assert.True(sent.IsCancelled);
        Assert.Equal("Once upon", sent.Answer);
        agent.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.All(agent.Emulator.StreamFrames, f => Assert.Equal(WireNames.StreamStates.Delta, f.Frame.State));
        Assert.DoesNotContain(agent.Emulator.FinalAnswers, a => a.RunId == injected.RunId);
    }

    [Fact]
    public async Task An_exception_mid_stream_fails_the_stream_once_and_reaches_on_error()
    {
        async IAsyncEnumerable<ChatResponseUpdate> Script(int call, [EnumeratorCancellation] CancellationToken ct)
        {
            yield return Text("Half an ");
            await Task.Yield();
            throw new HttpRequestException("upstream 502");
        }

        var model = new ScriptedChatClient(Script);
        var result = new TaskCompletionSource<MitiStreamResult>();
        var handler = new ChatTestHandler(async (e, ct) => result.SetResult(await e.ReplyWithChatClientAsync(model, cancellationToken: ct)));
        await using var agent = await EmulatorAgent.StartAsync(handler);
        var injected = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "hi");
        MitiStreamResult sent = await result.Task.WaitAsync(Wait);

        var final = await agent.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal(WireNames.StreamStates.Failed, final.State);
        Assert.Equal("model_error", final.Error!.Code);
        Assert.Equal(MitiStreamOutcome.Failed, sent.Outcome);
        Assert.IsType<HttpRequestException>(sent.Exception);
        await agent.Time.AdvanceUntilAsync(() => !handler.Errors.IsEmpty, TimeSpan.FromMilliseconds(50), "[OnError] called");
        var (errorEvent, error) = Assert.Single(handler.Errors);
        Assert.Same(sent.Exception, error);
        Assert.Equal(injected.EventId, errorEvent.EventId);
        await Task.Delay(100);
        Assert.Single(agent.Emulator.StreamFrames, f => f.Frame.State != WireNames.StreamStates.Delta);
    }

    [Fact]
    public async Task A_history_that_cannot_be_read_fails_the_run_with_history_error_and_the_model_is_not_called()
    {
        var model = new ScriptedChatClient((_, _) => Updates(Text("unused")));
        var handler = new ChatTestHandler((e, ct) => e.ReplyWithChatClientAsync(model, cancellationToken: ct));
        await using var agent = await EmulatorAgent.StartAsync(handler);
        agent.Emulator.Faults.FailNextRequests(10, 500, pathPrefix: "/agent/v1/conversations");
        var injected = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "hi");

        // The history request is retried with backoff (on the fake clock) until the client gives up.
        await agent.Time.AdvanceUntilAsync(() => agent.Emulator.FinalAnswers.Any(a => a.RunId == injected.RunId), TimeSpan.FromMilliseconds(500), "run failed");
        var final = await agent.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal(WireNames.StreamStates.Failed, final.State);
        Assert.Equal("history_error", final.Error!.Code);
        await agent.Time.AdvanceUntilAsync(() => !handler.Errors.IsEmpty, TimeSpan.FromMilliseconds(50), "[OnError] called");
        Assert.IsAssignableFrom<MitiException>(Assert.Single(handler.Errors).Error);
        Assert.Empty(model.Calls);
        await Task.Delay(100);
        Assert.Single(agent.Emulator.StreamFrames);
    }

    [Fact]
    public async Task Coalescing_holds_at_1000_tokens_per_second()
    {
        const int Tokens = 1000;
        EmulatorAgent? agent = null;
        async IAsyncEnumerable<ChatResponseUpdate> Script(int call, [EnumeratorCancellation] CancellationToken ct)
        {
            // One token per (fake) millisecond for one second.
            for (int i = 0; i < Tokens; i++)
            {
                agent!.Time.Advance(TimeSpan.FromMilliseconds(1));
                yield return Text("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ");
                if (i % 50 == 0)
                {
                    await Task.Yield();
                }
            }
        }

        var model = new ScriptedChatClient(Script);
        var result = new TaskCompletionSource<MitiStreamResult>();
        agent = await EmulatorAgent.StartAsync(new ChatTestHandler(async (e, ct) =>
            result.SetResult(await e.ReplyWithChatClientAsync(model, new MitiChatReplyOptions { HistoryDepth = 0 }, ct))));
        await using var _ = agent;
        var injected = agent.Emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "count");
        MitiStreamResult sent = await result.Task.WaitAsync(Wait);

        string expected = string.Concat(Enumerable.Range(0, Tokens).Select(i => "t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + " "));
        var final = await agent.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal(expected, final.Answer);
        var deltas = agent.Emulator.StreamFrames.Select(f => f.Frame).Where(f => f.State == WireNames.StreamStates.Delta).ToList();

        // 1 s at one frame per 50 ms: the first frame at once, then at most one per interval.
        Assert.InRange(deltas.Count, 10, 21);
        Assert.StartsWith(string.Concat(deltas.Select(d => d.Delta)), expected, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, deltas.Count + 1), agent.Emulator.StreamFrames.Select(f => f.Frame.Seq));
        Assert.Equal(deltas.Count + 1, sent.Frames);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(params ChatResponseUpdate[] updates)
    {
        foreach (ChatResponseUpdate update in updates)
        {
            await Task.Yield();
            yield return update;
        }
    }
}
