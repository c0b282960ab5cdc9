using MitiAgent.Events;
using MitiAgent.Internal;
using MitiAgent.Messaging;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// A direct message to the agent (<c>im.message.receive</c>, handled by <c>[OnMessage]</c>), and the base of
/// <see cref="GroupAtEvent"/>. Answer it with <see cref="ReplyAsync(string, bool, CancellationToken)"/>, or stream
/// into the run's assistant message with <see cref="OpenStream"/> / <see cref="ReplyCompletedAsync(string, string?, CancellationToken)"/>.
/// </summary>
public class MessageEvent : AgentEvent
{
    // Created on first use (or when a typed view shares it): most events never stream, so no slot object per event.
    private StreamSlot? _slot;

    internal MessageEvent(in EventFrameParts.HeaderParts header, in EventFrameParts.PayloadParts payload, EventMessage message, IEventReplySink? replySink)
        : base(in header, replySink)
    {
        Sender = payload.Sender!;
        Message = message;
        RunId = string.IsNullOrWhiteSpace(payload.RunId) ? null : payload.RunId;
        AssistantMsgId = string.IsNullOrWhiteSpace(payload.AssistantMsgId) ? null : payload.AssistantMsgId;
    }

    /// <summary>
    /// A view of <paramref name="source"/> (the typed events): same ids, message and token, and the same stream, so
    /// the dispatcher sees a stream the handler opened through either instance.
    /// </summary>
    private protected MessageEvent(MessageEvent source)
        : base(source)
    {
        Sender = source.Sender;
        Message = source.Message;
        RunId = source.RunId;
        AssistantMsgId = source.AssistantMsgId;
        CancellationToken = source.CancellationToken;
        _slot = source.Slot;
    }

    /// <summary>Who sent the message.</summary>
    public EventSender Sender { get; }

    /// <summary>What was sent: ids, sender, conversation, type and content (<c>payload.message</c>).</summary>
    public EventMessage Message { get; }

    /// <summary>The run that answers this message (streaming frames and <c>assistant.cancel</c> refer to it).</summary>
    public string? RunId { get; }

    /// <summary>The assistant message that a streamed answer fills.</summary>
    public string? AssistantMsgId { get; }

    /// <summary>Shortcut for <see cref="EventMessage.Text"/>.</summary>
    public string? Text => Message.Text;

    /// <summary>Where a reply goes: the sender (spec §6.1); <see cref="GroupAtEvent"/> answers in the group.</summary>
    public virtual MessageTarget ReplyTarget => MessageTarget.User(Sender.UserId!);

    /// <summary>
    /// Answers the message (spec §6.1, the reference's <c>reply(text, use_markdown=True)</c>): to the group for a group
    /// event, else to the sender, with <c>reply_to_message_id</c> = this message. Markdown is sent as
    /// <c>stream_full</c> with <c>ask_msg_id</c> = this message; <paramref name="useMarkdown"/> = <see langword="false"/> sends <c>text</c>.
    /// </summary>
    /// <param name="text">Not empty, at most 20 000 characters.</param>
    /// <param name="useMarkdown">Send as a markdown answer (default) or as plain text.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The new message's id and time.</returns>
    /// <exception cref="ArgumentException">The text is empty or too long (nothing is sent).</exception>
    /// <exception cref="InvalidOperationException">The event is not bound to a client.</exception>
    /// <exception cref="MitiApiException">The server refused the message.</exception>
    public Task<SentMessage> ReplyAsync(string text, bool useMarkdown = true, CancellationToken cancellationToken = default) =>
        SendAsync(RequireSink(), BuildReply(text, useMarkdown), cancellationToken);

    /// <summary>
    /// Answers the message as markdown (<c>stream_full</c>), like <see cref="ReplyAsync(string, bool, CancellationToken)"/>
    /// with <c>useMarkdown</c> = <see langword="true"/>: <c>e.ReplyAsync(text, cancellationToken)</c>.
    /// </summary>
    /// <param name="text">Not empty, at most 20 000 characters.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The new message's id and time.</returns>
    /// <exception cref="ArgumentException">The text is empty or too long (nothing is sent).</exception>
    /// <exception cref="InvalidOperationException">The event is not bound to a client.</exception>
    /// <exception cref="MitiApiException">The server refused the message.</exception>
    public Task<SentMessage> ReplyAsync(string text, CancellationToken cancellationToken) =>
        ReplyAsync(text, useMarkdown: true, cancellationToken);

    /// <summary>Answers the message with any content (image, at_text, raw, ...), to the same target as <see cref="ReplyAsync(string, bool, CancellationToken)"/>.</summary>
    /// <param name="content">The content.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The new message's id and time.</returns>
    /// <exception cref="ArgumentException">The content breaks a limit (nothing is sent).</exception>
    /// <exception cref="InvalidOperationException">The event is not bound to a client.</exception>
    /// <exception cref="MitiApiException">The server refused the message.</exception>
    public Task<SentMessage> ReplyAsync(OutgoingContent content, CancellationToken cancellationToken = default) =>
        SendAsync(RequireSink(), BuildReply(content), cancellationToken);

    private static async Task<SentMessage> SendAsync(IEventReplySink sink, SendMessageRequest request, CancellationToken cancellationToken)
    {
        return SentMessage.From(await sink.SendMessageAsync(request, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Opens the stream that fills this run's assistant message (spec §6.2). Deltas are coalesced to at most one frame
    /// per interval; finish with <see cref="MitiReplyStream.CompleteAsync(string?, string?, CancellationToken)"/> or
    /// <see cref="MitiReplyStream.FailAsync(string, string, CancellationToken)"/>.
    /// </summary>
    /// <returns>The stream of this event's run.</returns>
    /// <exception cref="InvalidOperationException">The event has no <c>run_id</c>/<c>assistant_msg_id</c>, is not bound to a client, or its stream was already opened.</exception>
    public MitiReplyStream OpenStream()
    {
        StreamSlot slot = Slot;
        lock (slot)
        {
            if (slot.Opened)
            {
                throw new InvalidOperationException("The stream of this event was already opened.");
            }

            MitiReplyStream stream = GetOrCreateStreamLocked(slot);
            slot.Opened = true;
            return stream;
        }
    }

    /// <summary>
    /// Sends the terminal <c>completed</c> frame of this run with the whole answer and no reasoning, like
    /// <see cref="ReplyCompletedAsync(string, string?, CancellationToken)"/>: <c>e.ReplyCompletedAsync(answer, cancellationToken)</c>.
    /// </summary>
    /// <param name="answer">The whole answer.</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame.</returns>
    /// <exception cref="InvalidOperationException">No run to answer, not bound to a client, or the run was already finished.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    /// <remarks>After the run was cancelled (<see cref="AgentEvent.CancellationToken"/>), returns at once without sending.</remarks>
    public Task ReplyCompletedAsync(string answer, CancellationToken cancellationToken) =>
        ReplyCompletedAsync(answer, null, cancellationToken);

    /// <summary>
    /// Sends the terminal <c>completed</c> frame of this run with the whole answer (the reference's
    /// <c>reply_completed(answer, seq, run_id, assistant_msg_id, reasoning)</c>; <c>seq</c> and the ids come from the event).
    /// The frame is resent until acked (up to 5 attempts).
    /// </summary>
    /// <param name="answer">The whole answer.</param>
    /// <param name="reasoning">The whole reasoning, if any.</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame.</returns>
    /// <exception cref="InvalidOperationException">No run to answer, not bound to a client, or the run was already finished.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    /// <remarks>After the run was cancelled (<see cref="AgentEvent.CancellationToken"/>), returns at once without sending.</remarks>
    public Task ReplyCompletedAsync(string answer, string? reasoning = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return GetOrCreateStream().CompleteAsync(answer, reasoning, cancellationToken);
    }

    /// <summary>
    /// The reference's full <c>reply_completed(answer, seq, run_id, assistant_msg_id, reasoning)</c>: sends a terminal
    /// <c>completed</c> frame with an explicit <paramref name="seq"/> and, when given, another run or assistant message
    /// (e.g. to finish a run whose deltas were sent elsewhere). Omitted values come from this event.
    /// </summary>
    /// <param name="answer">The whole answer.</param>
    /// <param name="reasoning">The whole reasoning, if any.</param>
    /// <param name="seq">The frame's <c>seq</c> (≥ 1); <see langword="null"/> continues this event's stream.</param>
    /// <param name="runId">The run to finish; this event's run by default.</param>
    /// <param name="assistantMsgId">The assistant message; this event's by default.</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seq"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">No run to answer, or not bound to a client.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    public Task ReplyCompletedAsync(string answer, string? reasoning, int? seq, string? runId = null, string? assistantMsgId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (seq is null && runId is null && assistantMsgId is null)
        {
            return ReplyCompletedAsync(answer, reasoning, cancellationToken);
        }

        if (seq is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(seq), seq, "seq starts at 1.");
        }

        IEventReplySink sink = RequireSink();
        var frame = new StreamFrame
        {
            EventId = FrameIds.New(),
            RunId = runId ?? RunId ?? throw new InvalidOperationException("The event has no run_id to answer."),
            AssistantMsgId = assistantMsgId ?? AssistantMsgId,
            Seq = seq ?? 1,
            State = WireNames.StreamStates.Completed,
            Answer = answer,
            Reasoning = reasoning,
        };
        return sink.SendTerminalStreamFrameAsync(frame, cancellationToken);
    }

    /// <summary>Sends the terminal <c>failed</c> frame of this run (spec §6.2).</summary>
    /// <param name="code">A machine-readable code, e.g. <c>model_error</c>.</param>
    /// <param name="msg">A human-readable message.</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame.</returns>
    /// <exception cref="InvalidOperationException">No run to answer, not bound to a client, or the run was already finished.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    /// <remarks>After the run was cancelled (<see cref="AgentEvent.CancellationToken"/>), returns at once without sending.</remarks>
    public Task ReplyFailedAsync(string code, string msg, CancellationToken cancellationToken = default) =>
        GetOrCreateStream().FailAsync(code, msg, cancellationToken);

    /// <summary>
    /// Reads the newest messages of this message's conversation (spec §7, <c>GET /conversations/{id}/messages</c>),
    /// oldest first, with <see cref="HistoryPage.HasMore"/> telling whether older ones exist.
    /// </summary>
    /// <param name="limit">How many messages, 1–100 (default 10).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page of history.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1–100.</exception>
    /// <exception cref="InvalidOperationException">The event is not bound to a client.</exception>
    /// <exception cref="MitiApiException">The server refused the request.</exception>
    public Task<HistoryPage> GetHistoryAsync(int limit = 10, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 100);
        return RequireSink().GetHistoryAsync(Message.ConversationId, limit, cancellationToken);
    }

    /// <summary>The validated request <see cref="ReplyAsync(string, bool, CancellationToken)"/> sends.</summary>
    internal SendMessageRequest BuildReply(string text, bool useMarkdown)
    {
        OutgoingContent content = useMarkdown
            ? OutgoingContent.Markdown(text, Message.MessageId)
            : OutgoingContent.Text(text);
        return BuildReply(content);
    }

    /// <summary>The validated request <see cref="ReplyAsync(OutgoingContent, CancellationToken)"/> sends.</summary>
    internal SendMessageRequest BuildReply(OutgoingContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        SendMessageRequest request = content.ToRequest(ReplyTarget, Message.MessageId);
        SendMessageValidation.Validate(request);
        return request;
    }

    /// <summary>Why a message payload does not fit (spec §5), or <see langword="null"/>.</summary>
    internal static string? ValidateMessagePayload(in EventFrameParts.PayloadParts payload)
    {
        if (payload.Sender is null)
        {
            return "missing sender";
        }

        if (string.IsNullOrWhiteSpace(payload.Sender.UserId))
        {
            return "missing sender.user_id";
        }

        return payload.HasMessage ? null : "message event without message";
    }

    /// <summary>The stream of this event's run when one was created and has not sent its terminal frame.</summary>
    internal MitiReplyStream? UnfinishedStream
    {
        get
        {
            if (Volatile.Read(ref _slot) is not { } slot)
            {
                return null; // no stream was ever asked for
            }

            lock (slot)
            {
                return slot.Stream is { IsCompleted: false } stream ? stream : null;
            }
        }
    }

    private StreamSlot Slot =>
        Volatile.Read(ref _slot) ?? Interlocked.CompareExchange(ref _slot, new StreamSlot(this), null) ?? _slot!;

    private IEventReplySink RequireSink() =>
        ReplySink ?? throw new InvalidOperationException("This event is not bound to a MitiAgent client.");

    private MitiReplyStream GetOrCreateStream()
    {
        StreamSlot slot = Slot;
        lock (slot)
        {
            return GetOrCreateStreamLocked(slot);
        }
    }

    private MitiReplyStream GetOrCreateStreamLocked(StreamSlot slot)
    {
        if (slot.Stream is not null)
        {
            return slot.Stream;
        }

        if (RunId is null || AssistantMsgId is null)
        {
            throw new InvalidOperationException("This event has no run_id/assistant_msg_id to stream an answer into.");
        }

        slot.Stream = new MitiReplyStream(slot.Owner, RequireSink(), RunId, AssistantMsgId);
        return slot.Stream;
    }

    /// <summary>The run's stream, shared by an event and its typed views; also the lock that guards it.</summary>
    private sealed class StreamSlot(MessageEvent owner)
    {
        /// <summary>The event the dispatcher runs (its token stops the stream).</summary>
        public MessageEvent Owner { get; } = owner;

        public MitiReplyStream? Stream { get; set; }

        public bool Opened { get; set; }
    }
}
