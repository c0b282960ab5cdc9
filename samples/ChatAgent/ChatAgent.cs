using Microsoft.Extensions.AI;
using MitiAgent;
using MitiAgent.AI;
using Samples.Shared;

namespace Samples.Chat;

/// <summary>
/// An LLM agent: each direct message and group @ is answered by an <see cref="IChatClient"/> with the conversation's
/// history, streamed (reasoning, then the answer). A user's "stop" cancels the model call; a model error ends the run
/// with a <c>failed</c> answer and reaches <c>[OnError]</c>.
/// </summary>
public sealed partial class ChatAgent(IChatClient chatClient, string systemPrompt)
{
    private readonly MitiChatReplyOptions _reply = new() { SystemPrompt = systemPrompt, HistoryDepth = 20 };

    [OnMessage]
    private Task AnswerAsync(MessageEvent e, CancellationToken ct) => StreamAnswerAsync(e, ct);

    [OnGroupAt]
    private Task AnswerInGroupAsync(GroupAtEvent e, CancellationToken ct) => StreamAnswerAsync(e, ct);

    [OnCancel]
    private static void OnCancel(CancelEvent e) => ChatLog.Received(e);

    [OnError]
    private static Task OnErrorAsync(AgentEvent e, Exception exception, CancellationToken ct)
    {
        ChatLog.Note("[OnError] " + e.EventId + ": " + exception.GetType().Name + ": " + exception.Message);
        return Task.CompletedTask;
    }

    private async Task StreamAnswerAsync(MessageEvent e, CancellationToken ct)
    {
        ChatLog.Received(e);
        ChatLog.Streaming(e, "started, run " + e.RunId);

        // The whole LLM integration: history + this message to the model, its stream into the run.
        MitiStreamResult sent = await e.ReplyWithChatClientAsync(chatClient, _reply, ct);

        ChatLog.StreamEnded(e, sent.Outcome switch
        {
            MitiStreamOutcome.Completed => $"completed, {sent.AnswerLength} characters in {sent.Frames} frames",
            MitiStreamOutcome.Cancelled => $"stopped after {sent.Frames} frames: the run was cancelled",
            _ => $"failed ({sent.ErrorCode}): {sent.Exception?.Message}",
        });
    }
}
