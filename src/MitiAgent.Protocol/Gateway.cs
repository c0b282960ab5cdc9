using System.Text.Json;
using System.Text.Json.Serialization;

namespace MitiAgent.Protocol;

/// <summary>Server → agent: the first frame on every connection (spec §4.1).</summary>
public sealed record HelloFrame
{
    /// <summary>Always <c>hello</c>.</summary>
    public string Type { get; set; } = WireNames.FrameTypes.Hello;

    /// <summary>The server's id for this connection.</summary>
    public string? ConnId { get; set; }

    /// <summary>How often the agent pings (default 30 000).</summary>
    public int PingIntervalMs { get; set; } = WireNames.Defaults.PingIntervalMs;

    /// <summary>How long the server waits for an ack before redelivering (default 5 000).</summary>
    public int AckTimeoutMs { get; set; } = WireNames.Defaults.AckTimeoutMs;
}

/// <summary>Server → agent: an event to ack and handle (spec §4.1, §5).</summary>
public sealed record EventFrame
{
    /// <summary>Always <c>event</c>.</summary>
    [JsonConverter(typeof(WireNameConverter))] // a known name costs no string per frame
    public string Type { get; set; } = WireNames.FrameTypes.Event;

    /// <summary>Id, type, time and app of the event.</summary>
    public EventHeader? Header { get; set; }

    /// <summary>The payload; which members are set depends on <see cref="EventHeader.EventType"/>.</summary>
    public EventPayload? Event { get; set; }
}

/// <summary>The <c>header</c> of an event (spec §5).</summary>
public sealed record EventHeader
{
    /// <summary>Unique per event; redeliveries keep it.</summary>
    public string? EventId { get; set; }

    /// <summary>One of <see cref="WireNames.EventTypes"/> (others may appear).</summary>
    [JsonConverter(typeof(WireNameConverter))] // a known name costs no string per frame
    public string? EventType { get; set; }

    /// <summary>Unix milliseconds.</summary>
    public long CreateTime { get; set; }

    /// <summary>The app the event is for.</summary>
    public string? AppId { get; set; }
}

/// <summary>
/// The <c>event</c> member of an event frame. One shape covers the three event types of spec §5:
/// messages set <see cref="Sender"/>, <see cref="Message"/>, <see cref="RunId"/>, <see cref="AssistantMsgId"/>
/// (and <see cref="GroupId"/> for group @mentions); <c>assistant.cancel</c> sets <see cref="RunId"/>,
/// <see cref="ConversationId"/> and <see cref="Sender"/>.
/// </summary>
public sealed record EventPayload
{
    /// <summary>Who sent the message (or stopped the run).</summary>
    public EventSender? Sender { get; set; }

    /// <summary>The message (message events only).</summary>
    public MessageBody? Message { get; set; }

    /// <summary>The run that answers this message / that was cancelled.</summary>
    public string? RunId { get; set; }

    /// <summary>The assistant message that a streamed answer fills.</summary>
    public string? AssistantMsgId { get; set; }

    /// <summary>The group (group @mentions only).</summary>
    public string? GroupId { get; set; }

    /// <summary>The conversation (<c>assistant.cancel</c> only; messages carry it in <see cref="Message"/>).</summary>
    public string? ConversationId { get; set; }
}

/// <summary>The sender of an event (spec §5).</summary>
public sealed record EventSender
{
    /// <summary>The user id, e.g. <c>u_abc123</c>.</summary>
    public string? UserId { get; set; }

    /// <summary>Display name.</summary>
    public string? Name { get; set; }
}

/// <summary>A message as carried in an event (spec §5).</summary>
public sealed record MessageBody
{
    /// <summary>The platform's id of the message; replies quote it as <c>reply_to_message_id</c>.</summary>
    public string? MessageId { get; set; }

    /// <summary>The conversation it belongs to.</summary>
    public string? ConversationId { get; set; }

    /// <summary>One of <see cref="WireNames.MsgTypes"/>, or another type to pass through intact.</summary>
    [JsonConverter(typeof(WireNameConverter))] // a known name costs no string per frame
    public string? MsgType { get; set; }

    /// <summary>The content object, raw.</summary>
    public JsonElement? Content { get; set; }

    /// <summary>Unix milliseconds.</summary>
    public long CreateTime { get; set; }
}

/// <summary>
/// <c>ack</c> frame. Agent → server: acknowledges an event (only <see cref="EventId"/>). Server → agent:
/// acknowledges a terminal stream frame; <see cref="Code"/> ≠ 0 means rejected (spec §4.1, §4.2).
/// </summary>
public sealed record AckFrame
{
    /// <summary>Always <c>ack</c>.</summary>
    [JsonConverter(typeof(WireNameConverter))] // a known name costs no string per frame
    public string Type { get; set; } = WireNames.FrameTypes.Ack;

    /// <summary>The acknowledged event or stream frame id.</summary>
    public string? EventId { get; set; }

    /// <summary>Server → agent only: 0 or absent for accepted, otherwise an error code.</summary>
    public int? Code { get; set; }

    /// <summary>Server → agent only: error message.</summary>
    public string? Msg { get; set; }
}

/// <summary>Agent → server keepalive (spec §4.2).</summary>
public sealed record PingFrame
{
    /// <summary>Always <c>ping</c>.</summary>
    public string Type { get; set; } = WireNames.FrameTypes.Ping;

    /// <summary>Unix milliseconds; echoed in the pong.</summary>
    public long Ts { get; init; }
}

/// <summary>Server → agent answer to a ping (spec §4.1).</summary>
public sealed record PongFrame
{
    /// <summary>Always <c>pong</c>.</summary>
    public string Type { get; set; } = WireNames.FrameTypes.Pong;

    /// <summary>The ping's <c>ts</c>.</summary>
    public long Ts { get; set; }
}

/// <summary>Server → agent: open a new connection, this one will close soon (spec §4.1).</summary>
public sealed record ReconnectFrame
{
    /// <summary>Always <c>reconnect</c>.</summary>
    public string Type { get; set; } = WireNames.FrameTypes.Reconnect;

    /// <summary>Why (deploy, rebalancing, ...).</summary>
    public string? Reason { get; set; }
}

/// <summary>Agent → server streaming reply frame (spec §6.2).</summary>
public sealed record StreamFrame
{
    /// <summary>Always <c>stream</c>.</summary>
    public string Type { get; set; } = WireNames.FrameTypes.Stream;

    /// <summary>Made by the agent, unique per frame; a resent terminal frame keeps it.</summary>
    public string? EventId { get; init; }

    /// <summary>The run being answered.</summary>
    public string? RunId { get; init; }

    /// <summary>The assistant message being filled.</summary>
    public string? AssistantMsgId { get; init; }

    /// <summary>1, 2, 3, ... per frame of a run.</summary>
    public int Seq { get; init; }

    /// <summary>One of <see cref="WireNames.StreamStates"/>.</summary>
    public string? State { get; init; }

    /// <summary><c>delta</c>: the next piece of the answer.</summary>
    public string? Delta { get; init; }

    /// <summary><c>delta</c>: the next piece of the reasoning.</summary>
    public string? ReasoningDelta { get; init; }

    /// <summary><c>completed</c>: the whole answer.</summary>
    public string? Answer { get; init; }

    /// <summary><c>completed</c>: the whole reasoning.</summary>
    public string? Reasoning { get; init; }

    /// <summary><c>failed</c>: what went wrong.</summary>
    public StreamError? Error { get; init; }
}

/// <summary>The <c>error</c> of a failed stream frame (spec §6.2).</summary>
public sealed record StreamError
{
    /// <summary>A machine-readable code, e.g. <c>model_error</c>.</summary>
    public string? Code { get; init; }

    /// <summary>A human-readable message.</summary>
    public string? Msg { get; init; }
}
