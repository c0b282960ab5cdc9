using MitiAgent.Events;
using MitiAgent.Internal;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// An event delivered by the gateway (spec §5): <see cref="MessageEvent"/> (<c>im.message.receive</c>),
/// <see cref="GroupAtEvent"/> (<c>im.message.group_at</c>) or <see cref="CancelEvent"/> (<c>assistant.cancel</c>).
/// </summary>
public abstract class AgentEvent
{
    // The header's members are kept as fields; the EventHeader record is made only when Header is read (rarely).
    private readonly long _createTime;
    private readonly string? _appId;
    private EventHeader? _header;

    private protected AgentEvent(in EventFrameParts.HeaderParts header, IEventReplySink? replySink)
    {
        EventId = header.EventId!;
        EventType = header.EventType!;
        _createTime = header.CreateTime;
        _appId = header.AppId;
        ReplySink = replySink;
    }

    /// <summary>A view of <paramref name="source"/> (the typed events): the same header and reply sink.</summary>
    private protected AgentEvent(AgentEvent source)
    {
        EventId = source.EventId;
        EventType = source.EventType;
        _createTime = source._createTime;
        _appId = source._appId;
        _header = source.Header; // the view shares the source's header record, as before it was made lazily
        ReplySink = source.ReplySink;
    }

    /// <summary>The wire header: id, type, creation time and app id.</summary>
    public EventHeader Header =>
        Volatile.Read(ref _header)
        ?? Interlocked.CompareExchange(ref _header, new EventHeader { EventId = EventId, EventType = EventType, CreateTime = _createTime, AppId = _appId }, null)
        ?? _header!;

    /// <summary>The event id; redeliveries keep it, and handlers run once per id.</summary>
    public string EventId { get; }

    /// <summary>The <c>event_type</c>, one of <see cref="WireNames.EventTypes"/>.</summary>
    public string EventType { get; }

    /// <summary>When the event was created on the server.</summary>
    public DateTimeOffset CreateTime => DateTimeOffset.FromUnixTimeMilliseconds(_createTime);

    /// <summary>
    /// Cancelled when this event's handler should stop: the user stopped the run (<c>assistant.cancel</c>) or the
    /// agent is shutting down past its timeout.
    /// </summary>
    public CancellationToken CancellationToken { get; internal set; }

    /// <summary>The client that answers this event; <see langword="null"/> for an event not bound to a client.</summary>
    internal IEventReplySink? ReplySink { get; }

    /// <summary>Where a streamed answer whose source threw is reported (the dispatcher running the handler), if any.</summary>
    internal IStreamFailureReporter? StreamFailureReporter { get; set; }

    /// <summary>The type and id; never content.</summary>
    /// <returns>A short description.</returns>
    public override string ToString()
    {
        string kind = this switch
        {
            GroupAtEvent => nameof(GroupAtEvent),
            MessageEvent => nameof(MessageEvent),
            CancelEvent => nameof(CancelEvent),
            _ => nameof(AgentEvent),
        };
        return kind + " { EventType = " + EventType + ", EventId = " + EventId + " }";
    }

    /// <summary>
    /// Parses one raw <c>event</c> frame (UTF-8 JSON) and turns it into a typed event, like <see cref="FromFrame"/>.
    /// When the frame is valid JSON but does not deserialize as an event frame, the header's id and type are still
    /// read (if they are strings) so the caller can ack it (spec §5).
    /// </summary>
    internal static EventParseResult FromUtf8Json(ReadOnlySpan<byte> utf8Json, IEventReplySink? replySink = null)
    {
        // The serializer's result, without its read stack and without the EventFrame wrapper.
        if (EventFrameReader.TryRead(utf8Json, out EventFrameParts parts))
        {
            return FromParts(in parts, replySink);
        }

        return EventHeaderSniffer.TryRead(utf8Json, out string? eventId, out string? eventType)
            ? EventParseResult.Malformed(eventId, eventType, "event frame does not fit the event shape")
            : EventParseResult.Malformed(null, null, "not a valid JSON object");
    }

    /// <summary>
    /// Turns an event frame into a typed event, or says why it cannot (spec §5): a missing <c>header.event_id</c> or
    /// <c>header.event_type</c>, a payload that does not fit its type, or an unknown type.
    /// </summary>
    internal static EventParseResult FromFrame(EventFrame frame, IEventReplySink? replySink = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        EventFrameParts parts = EventFrameParts.From(frame.Header, frame.Event);
        return FromParts(in parts, replySink);
    }

    private static EventParseResult FromParts(in EventFrameParts parts, IEventReplySink? replySink)
    {
        if (!parts.HasHeader)
        {
            return EventParseResult.Malformed(null, null, "missing header");
        }

        ref readonly EventFrameParts.HeaderParts header = ref parts.Header;
        string? eventId = string.IsNullOrWhiteSpace(header.EventId) ? null : header.EventId;
        string? eventType = string.IsNullOrWhiteSpace(header.EventType) ? null : header.EventType;
        if (eventId is null)
        {
            return EventParseResult.Malformed(null, eventType, "missing header.event_id");
        }

        if (eventType is null)
        {
            return EventParseResult.Malformed(eventId, null, "missing header.event_type");
        }

        switch (eventType)
        {
            case WireNames.EventTypes.MessageReceive:
            case WireNames.EventTypes.GroupAt:
            case WireNames.EventTypes.AssistantCancel:
                break;
            default:
                return EventParseResult.Unknown(eventId, eventType);
        }

        if (!parts.HasPayload)
        {
            return EventParseResult.Malformed(eventId, eventType, "missing event");
        }

        ref readonly EventFrameParts.PayloadParts payload = ref parts.Payload;

        if (eventType == WireNames.EventTypes.AssistantCancel)
        {
            string? cancelProblem = CancelEvent.ValidateCancelPayload(in payload);
            return cancelProblem is null
                ? EventParseResult.Ok(new CancelEvent(in header, in payload, replySink))
                : EventParseResult.Malformed(eventId, eventType, cancelProblem);
        }

        bool isGroup = eventType == WireNames.EventTypes.GroupAt;
        string? problem = isGroup ? GroupAtEvent.ValidateGroupPayload(in payload) : MessageEvent.ValidateMessagePayload(in payload);
        if (problem is not null)
        {
            return EventParseResult.Malformed(eventId, eventType, problem);
        }

        if (!EventMessage.TryCreate(in payload.Message, out EventMessage? message, out problem))
        {
            return EventParseResult.Malformed(eventId, eventType, problem);
        }

        AgentEvent agentEvent = isGroup
            ? new GroupAtEvent(in header, in payload, message, replySink)
            : new MessageEvent(in header, in payload, message, replySink);
        return EventParseResult.Ok(agentEvent);
    }
}
