using MitiAgent;
using Samples.Shared;

namespace Samples.Streaming;

/// <summary>
/// Streams each answer of a (fake) language model into the run's assistant message: reasoning deltas first, then
/// answer deltas, then the terminal <c>completed</c> frame. A user's "stop" (<c>assistant.cancel</c>) cancels the
/// handler's token and the generation stops; a model error ends the run with a <c>failed</c> frame; messages that
/// find every handler slot busy get a "busy" answer from the overload handler.
/// </summary>
public sealed partial class StreamingAgent(FakeLanguageModel model)
{
    /// <summary>What the overload handler answers (the reference SDK's text).</summary>
    public const string BusyText = "系统繁忙,请稍后重试";

    [OnMessage]
    private async Task AnswerAsync(MessageEvent e, CancellationToken ct)
    {
        ChatLog.Received(e);
        var stream = e.OpenStream();
        ChatLog.Streaming(e, "started, run " + stream.RunId);
        try
        {
            await foreach (var chunk in model.StreamAsync(e.Text ?? string.Empty, ct))
            {
                // Coalesced by the SDK to at most one delta frame per 50 ms.
                await stream.AppendAsync(chunk.Answer, chunk.Reasoning, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The user pressed stop, or the agent is shutting down past its timeout. The SDK has already stopped the
            // deltas and the platform ends the run: there is nothing more to send. (The "<- cancel" line of the cancel
            // handler comes first when a cancel is what stopped the run.)
            await ChatLog.CancelLoggedAsync(stream.RunId, TimeSpan.FromSeconds(1));
            ChatLog.StreamEnded(e, $"stopped after {stream.Seq} frames: the run was cancelled");
            return;
        }
        catch (LanguageModelException ex)
        {
            // Tell the user instead of leaving the message unfinished.
            await stream.FailAsync("model_error", ex.Message, ct);
            ChatLog.StreamEnded(e, "failed: " + ex.Message);
            return;
        }

        // The whole answer and reasoning in one acknowledged frame (resent until acked).
        await stream.CompleteAsync(cancellationToken: ct);
        ChatLog.StreamEnded(e, $"completed, {stream.Answer.Length} characters in {stream.Seq} frames");
    }

    [OnCancel]
    private static void OnCancel(CancelEvent e) => ChatLog.Received(e);

    [OnOverload]
    private static async Task BusyAsync(MessageEvent e, CancellationToken ct)
    {
        ChatLog.Received(e);
        ChatLog.Replying(e, BusyText + " (all handler slots are busy)");
        await e.ReplyAsync(BusyText, useMarkdown: false, cancellationToken: ct);
    }
}
