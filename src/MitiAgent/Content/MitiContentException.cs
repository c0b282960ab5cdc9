namespace MitiAgent;

/// <summary>
/// A message's <c>content</c> does not fit the content type of its typed handler (wrong JSON shape, a missing required
/// member). The event was acked and not passed to the typed handler; it is logged once (event id 2040) and passed to
/// <c>[OnError]</c>. The message names the event, <c>msg_type</c> and the JSON path that failed, never content.
/// </summary>
public sealed class MitiContentException : MitiException
{
    internal MitiContentException(string eventId, string msgType, string contentType, string path, string reason)
        : base("message content does not fit " + contentType + ": event_id=" + eventId + " msg_type=" + msgType + " path=" + path + " (" + reason + ")")
    {
        EventId = eventId;
        MsgType = msgType;
        ContentType = contentType;
        Path = path;
        Reason = reason;
    }

    /// <summary>The event whose content did not fit.</summary>
    public string EventId { get; }

    /// <summary>The message's <c>msg_type</c>.</summary>
    public string MsgType { get; }

    /// <summary>The content type the handler asked for (full name).</summary>
    public string ContentType { get; }

    /// <summary>The JSON path where reading failed, e.g. <c>$.items[1].quantity</c> (<c>$</c> for the object itself).</summary>
    public string Path { get; }

    /// <summary>What went wrong, without content: e.g. <c>wrong JSON type</c> or <c>missing required member(s): order_id</c>.</summary>
    public string Reason { get; }
}
