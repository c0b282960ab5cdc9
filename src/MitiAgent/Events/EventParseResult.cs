namespace MitiAgent.Events;

/// <summary>What <see cref="AgentEvent.FromFrame"/> made of an event frame.</summary>
internal enum EventParseStatus
{
    /// <summary>A usable event of a known type.</summary>
    Ok,

    /// <summary>The frame lacks the header, the id or the type, or its payload does not fit its type (spec §5): log and skip.</summary>
    Malformed,

    /// <summary>A well-formed header with an <c>event_type</c> the SDK does not know: ack, log once per type.</summary>
    UnknownType,
}

/// <summary>
/// The outcome of parsing an event frame. <see cref="EventId"/> is set whenever the frame had a usable one, so the
/// caller can still ack a malformed or unknown event (spec §5) and must not ack when it is <see langword="null"/>.
/// </summary>
internal readonly record struct EventParseResult(EventParseStatus Status, AgentEvent? Event, string? EventId, string? EventType, string? Reason)
{
    public static EventParseResult Ok(AgentEvent agentEvent) =>
        new(EventParseStatus.Ok, agentEvent, agentEvent.EventId, agentEvent.EventType, null);

    public static EventParseResult Malformed(string? eventId, string? eventType, string reason) =>
        new(EventParseStatus.Malformed, null, eventId, eventType, reason);

    public static EventParseResult Unknown(string eventId, string eventType) =>
        new(EventParseStatus.UnknownType, null, eventId, eventType, "unknown event_type");
}
