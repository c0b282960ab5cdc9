using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace MitiAgent.AI;

/// <summary>
/// Answers a <see cref="MessageEvent"/> with an <see cref="IChatClient"/>:
/// <c>await e.ReplyWithChatClientAsync(chatClient, cancellationToken: ct)</c>.
/// </summary>
public static class MessageEventChatClientExtensions
{
    /// <summary>
    /// Answers the message with <paramref name="chatClient"/>, streaming: the conversation is the last
    /// <see cref="MitiChatReplyOptions.DefaultHistoryDepth"/> messages of history plus this message (see
    /// <see cref="BuildChatMessagesAsync"/>); text updates stream as answer deltas and
    /// <see cref="TextReasoningContent"/> as reasoning deltas, and the run completes with the whole answer. On
    /// <c>assistant.cancel</c> the model call is cancelled at once and no terminal frame is sent; when the model throws,
    /// the answer fails with <c>model_error</c> and the exception goes to <c>[OnError]</c> (see
    /// <see cref="MessageEventStreamingExtensions"/>).
    /// </summary>
    /// <param name="messageEvent">The message to answer (it must have a run).</param>
    /// <param name="chatClient">The model.</param>
    /// <param name="options">Passed to <see cref="IChatClient.GetStreamingResponseAsync"/>.</param>
    /// <param name="cancellationToken">Stops the answer (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>What was sent.</returns>
    /// <exception cref="InvalidOperationException">The event has no run, is not bound to a client, or its stream was already opened.</exception>
    /// <exception cref="MitiApiException">Reading the history failed (the answer was failed with <c>history_error</c>).</exception>
    public static Task<MitiStreamResult> ReplyWithChatClientAsync(this MessageEvent messageEvent, IChatClient chatClient, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        ReplyWithChatClientAsync(messageEvent, chatClient, new MitiChatReplyOptions { ChatOptions = options }, cancellationToken);

    /// <summary>
    /// Answers the message with <paramref name="chatClient"/>, streaming, with a system prompt and history depth from
    /// <paramref name="replyOptions"/> (see <see cref="ReplyWithChatClientAsync(MessageEvent, IChatClient, ChatOptions?, CancellationToken)"/>).
    /// </summary>
    /// <param name="messageEvent">The message to answer (it must have a run).</param>
    /// <param name="chatClient">The model.</param>
    /// <param name="replyOptions">System prompt, history depth and chat options.</param>
    /// <param name="cancellationToken">Stops the answer (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>What was sent.</returns>
    /// <exception cref="InvalidOperationException">The event has no run, is not bound to a client, or its stream was already opened.</exception>
    /// <exception cref="MitiApiException">Reading the history failed (the answer was failed with <c>history_error</c>).</exception>
    public static async Task<MitiStreamResult> ReplyWithChatClientAsync(this MessageEvent messageEvent, IChatClient chatClient, MitiChatReplyOptions replyOptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageEvent);
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(replyOptions);
        if (messageEvent.RunId is null || messageEvent.AssistantMsgId is null)
        {
            throw new InvalidOperationException("This event has no run_id/assistant_msg_id to stream an answer into.");
        }

        List<ChatMessage> messages;
        try
        {
            messages = await BuildChatMessagesAsync(messageEvent, replyOptions.SystemPrompt, replyOptions.HistoryDepth, cancellationToken).ConfigureAwait(false);
        }
        catch (MitiException) when (!messageEvent.CancellationToken.IsCancellationRequested)
        {
            // Without history there is no conversation to answer: end the run instead of leaving a spinner.
            await messageEvent.ReplyFailedAsync("history_error", "The conversation could not be read.", cancellationToken).ConfigureAwait(false);
            throw;
        }

        return await messageEvent.StreamAsync(Pieces(chatClient, messages, replyOptions.ChatOptions), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The conversation sent to the model: the system prompt (if any), then up to <paramref name="historyDepth"/>
    /// earlier messages of the conversation, oldest first (<see cref="MitiChatConversions.ToChatMessage(HistoryMessage)"/>;
    /// the message being answered and the run's own assistant message are left out, as are empty ones), then this
    /// message with its text and images (<see cref="MitiChatConversions.ToChatMessage(MessageEvent)"/>).
    /// </summary>
    /// <param name="messageEvent">The message being answered.</param>
    /// <param name="systemPrompt">A system message put first, if any.</param>
    /// <param name="historyDepth">How many earlier messages, 0–100 (0 reads no history).</param>
    /// <param name="cancellationToken">Cancels reading the history.</param>
    /// <returns>The messages, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="historyDepth"/> is outside 0–100.</exception>
    /// <exception cref="MitiApiException">The server refused the history request.</exception>
    public static async Task<List<ChatMessage>> BuildChatMessagesAsync(this MessageEvent messageEvent, string? systemPrompt = null, int historyDepth = MitiChatReplyOptions.DefaultHistoryDepth, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageEvent);
        ArgumentOutOfRangeException.ThrowIfNegative(historyDepth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(historyDepth, 100);
        var messages = new List<ChatMessage>(historyDepth + 2);
        if (!string.IsNullOrWhiteSpace(systemPrompt))
        {
            messages.Add(new ChatMessage(ChatRole.System, systemPrompt));
        }

        if (historyDepth > 0)
        {
            // Two more than asked for: the page usually holds this message and the run's assistant message too.
            HistoryPage page = await messageEvent.GetHistoryAsync(Math.Min(100, historyDepth + 2), cancellationToken).ConfigureAwait(false);
            var earlier = new List<ChatMessage>(page.Count);
            foreach (HistoryMessage item in page)
            {
                if (string.Equals(item.MessageId, messageEvent.Message.MessageId, StringComparison.Ordinal)
                    || string.Equals(item.MessageId, messageEvent.AssistantMsgId, StringComparison.Ordinal)
                    || string.IsNullOrWhiteSpace(item.Content))
                {
                    continue;
                }

                earlier.Add(item.ToChatMessage());
            }

            messages.AddRange(earlier.Count > historyDepth ? earlier.GetRange(earlier.Count - historyDepth, historyDepth) : earlier);
        }

        messages.Add(messageEvent.ToChatMessage());
        return messages;
    }

    /// <summary>The model's streaming updates as (answer, reasoning) pieces: text contents and reasoning contents of each update.</summary>
    private static async IAsyncEnumerable<(string? Answer, string? Reasoning)> Pieces(
        IChatClient chatClient,
        List<ChatMessage> messages,
        ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var answer = new StringBuilder();
        var reasoning = new StringBuilder();
        await foreach (ChatResponseUpdate update in chatClient.GetStreamingResponseAsync(messages, options, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            answer.Clear();
            reasoning.Clear();
            foreach (AIContent content in update.Contents)
            {
                switch (content)
                {
                    case TextReasoningContent thought:
                        reasoning.Append(thought.Text);
                        break;
                    case TextContent text:
                        answer.Append(text.Text);
                        break;
                }
            }

            if (answer.Length > 0 || reasoning.Length > 0)
            {
                yield return (answer.Length > 0 ? answer.ToString() : null, reasoning.Length > 0 ? reasoning.ToString() : null);
            }
        }
    }
}
