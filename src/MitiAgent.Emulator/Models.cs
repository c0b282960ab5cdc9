using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

/// <summary>An app (agent) registered with the emulator.</summary>
/// <param name="AppId">The app id, e.g. <c>cli_demo</c>.</param>
/// <param name="AppSecret">The app secret. Never printed by <see cref="ToString"/> or logged.</param>
public sealed record EmulatorApp(string AppId, string AppSecret)
{
    /// <summary>Lifetime of issued access tokens (<c>expires_in</c>). Default 2 hours.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Display name, used for the <c>@name</c> of group mentions. Defaults to the app id.</summary>
    public string? Name { get; init; }

    /// <summary>Whether the app is disabled (token: 10004, gateway: 403 / close 4003).</summary>
    public bool Disabled { get; init; }

    /// <summary>Optional rate limit of <c>messages/send</c>; exceeded → HTTP 429 with <c>Retry-After</c>.</summary>
    public SendRateLimit? SendRateLimit { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"EmulatorApp {{ AppId = {AppId}, AppSecret = ***, TokenLifetime = {TokenLifetime}, Disabled = {Disabled} }}";
}

/// <summary>At most <paramref name="PermitLimit"/> sends per sliding <paramref name="Window"/>.</summary>
/// <param name="PermitLimit">Requests allowed per window.</param>
/// <param name="Window">The sliding window.</param>
public sealed record SendRateLimit(int PermitLimit, TimeSpan Window);

/// <summary>What an injection created.</summary>
/// <param name="EventId">The event id (<c>header.event_id</c>).</param>
/// <param name="EventType">The event type.</param>
/// <param name="AppId">The app the event is for.</param>
/// <param name="RunId">The run that answers the message (or that was cancelled).</param>
/// <param name="AssistantMsgId">The assistant message a streamed answer fills.</param>
/// <param name="MessageId">The user's message id (message events only).</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Delivered">Whether a connection was open to deliver it to (events are not queued for later, spec §4.3).</param>
public sealed record InjectedEvent(
    string EventId,
    string EventType,
    string AppId,
    string? RunId,
    string? AssistantMsgId,
    string? MessageId,
    string ConversationId,
    bool Delivered);

/// <summary>A message an agent sent through <c>messages/send</c> and the emulator accepted.</summary>
/// <param name="AppId">The sending app.</param>
/// <param name="MessageId">The id the emulator gave it.</param>
/// <param name="ToUserId">Target user, if any.</param>
/// <param name="ToGroupId">Target group, if any.</param>
/// <param name="ConversationId">The conversation it entered.</param>
/// <param name="MsgType">Its <c>msg_type</c>.</param>
/// <param name="Content">Its content object.</param>
/// <param name="ReplyToMessageId">The message it answers, if any.</param>
/// <param name="CreateTime">Unix milliseconds.</param>
public sealed record SentMessage(
    string AppId,
    string MessageId,
    string? ToUserId,
    string? ToGroupId,
    string ConversationId,
    string MsgType,
    JsonElement Content,
    string? ReplyToMessageId,
    long CreateTime)
{
    /// <summary>The content rendered as plain text, as history shows it.</summary>
    public string Text => ContentRenderer.Render(MsgType, Content);

    /// <summary>
    /// When the send request arrived (before it was authenticated or read), as a
    /// <see cref="System.Diagnostics.Stopwatch"/> timestamp comparable with <see cref="EventAck.Arrival"/>: an answer
    /// that reached the emulator before its event's ack has the smaller value.
    /// </summary>
    public long Arrival { get; init; }
}

/// <summary>A <c>stream</c> frame as the emulator received it (every attempt, duplicates included).</summary>
/// <param name="ConnId">The connection it came on.</param>
/// <param name="AppId">The app.</param>
/// <param name="Frame">The frame.</param>
/// <param name="ReceivedAt">Unix milliseconds.</param>
public sealed record ReceivedStreamFrame(string ConnId, string AppId, StreamFrame Frame, long ReceivedAt);

/// <summary>The terminal result of a streamed run (the first terminal frame accepted for it).</summary>
/// <param name="AppId">The app.</param>
/// <param name="RunId">The run.</param>
/// <param name="AssistantMsgId">The assistant message.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="EventId">The accepted frame's event id.</param>
/// <param name="State"><c>completed</c> or <c>failed</c>.</param>
/// <param name="Answer">The whole answer (completed).</param>
/// <param name="Reasoning">The whole reasoning (completed).</param>
/// <param name="Error">The error (failed).</param>
/// <param name="StreamedText">What the deltas had built before the terminal frame.</param>
/// <param name="CreateTime">Unix milliseconds.</param>
public sealed record FinalAnswer(
    string AppId,
    string RunId,
    string AssistantMsgId,
    string ConversationId,
    string EventId,
    string State,
    string? Answer,
    string? Reasoning,
    StreamError? Error,
    string StreamedText,
    long CreateTime);

/// <summary>An open gateway connection.</summary>
/// <param name="ConnId">The id sent in <c>hello</c>.</param>
/// <param name="AppId">The app.</param>
/// <param name="OpenedAt">Unix milliseconds.</param>
/// <param name="Silent">Whether the connection was made silent by fault injection.</param>
/// <param name="EventsDelivered">Event frames handed to it so far.</param>
/// <param name="PingsReceived">Application <c>ping</c> frames the agent sent on it so far.</param>
public sealed record ConnectionInfo(string ConnId, string AppId, long OpenedAt, bool Silent, int EventsDelivered, int PingsReceived);

/// <summary>An event frame written to a connection (redeliveries and duplicates included).</summary>
/// <param name="EventId">The event id.</param>
/// <param name="ConnId">The connection.</param>
/// <param name="Attempt">1 for the first delivery, 2 for the first redelivery, ...</param>
/// <param name="At">Unix milliseconds.</param>
public sealed record EventDelivery(string EventId, string ConnId, int Attempt, long At);

/// <summary>An <c>ack</c> an agent sent for an event.</summary>
/// <param name="EventId">The acknowledged event.</param>
/// <param name="ConnId">The connection it came on.</param>
/// <param name="Ignored">Whether fault injection made the emulator ignore it.</param>
/// <param name="At">Unix milliseconds.</param>
public sealed record EventAck(string EventId, string ConnId, bool Ignored, long At)
{
    /// <summary>When the ack was read, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp comparable with <see cref="SentMessage.Arrival"/>.</summary>
    public long Arrival { get; init; }
}

/// <summary>A REST request the emulator answered (control API excluded).</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path relative to the base URL, without the query.</param>
/// <param name="StatusCode">HTTP status answered.</param>
/// <param name="Code">Envelope code answered (-1 when no envelope).</param>
/// <param name="AppId">The app, when known.</param>
/// <param name="At">Unix milliseconds.</param>
public sealed record RequestRecord(string Method, string Path, int StatusCode, int Code, string? AppId, long At);

/// <summary>A gateway connection that ended.</summary>
/// <param name="ConnId">The connection.</param>
/// <param name="AppId">The app.</param>
/// <param name="CloseCode">The close code the emulator sent, or the agent's, or null when the socket was dropped.</param>
/// <param name="Reason">Close reason text.</param>
/// <param name="At">Unix milliseconds.</param>
public sealed record ClosedConnection(string ConnId, string AppId, int? CloseCode, string? Reason, long At);
