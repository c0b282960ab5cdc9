using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// What <see cref="EventFrameReader"/> reads from an <c>event</c> frame, as plain values: the typed event is built
/// from it directly, so a frame costs no wire-record objects (<see cref="EventHeader"/>, <see cref="EventPayload"/>,
/// <see cref="MessageBody"/>). The <c>ToRecord</c> methods give the serializer's records when needed.
/// </summary>
internal struct EventFrameParts
{
    /// <summary>Whether the frame had a non-null <c>header</c> object.</summary>
    public bool HasHeader;

    /// <summary>The <c>header</c>.</summary>
    public HeaderParts Header;

    /// <summary>Whether the frame had a non-null <c>event</c> object.</summary>
    public bool HasPayload;

    /// <summary>The <c>event</c>.</summary>
    public PayloadParts Payload;

    /// <summary>The parts of a frame given as the serializer's records (<see cref="AgentEvent.FromFrame"/>).</summary>
    public static EventFrameParts From(EventHeader? header, EventPayload? payload)
    {
        var parts = default(EventFrameParts);
        if (header is not null)
        {
            parts.HasHeader = true;
            parts.Header = new HeaderParts { EventId = header.EventId, EventType = header.EventType, CreateTime = header.CreateTime, AppId = header.AppId };
        }

        if (payload is not null)
        {
            parts.HasPayload = true;
            parts.Payload = new PayloadParts
            {
                Sender = payload.Sender,
                RunId = payload.RunId,
                AssistantMsgId = payload.AssistantMsgId,
                GroupId = payload.GroupId,
                ConversationId = payload.ConversationId,
            };
            if (payload.Message is { } message)
            {
                parts.Payload.HasMessage = true;
                parts.Payload.Message = new MessageParts
                {
                    MessageId = message.MessageId,
                    ConversationId = message.ConversationId,
                    MsgType = message.MsgType,
                    Content = message.Content is { } content ? System.Text.Encoding.UTF8.GetBytes(content.GetRawText()) : null,
                    ContentIsObject = message.Content is { ValueKind: JsonValueKind.Object },
                    CreateTime = message.CreateTime,
                };
            }
        }

        return parts;
    }

    /// <summary>The <c>header</c> of an event frame.</summary>
    public struct HeaderParts
    {
        public string? EventId;
        public string? EventType;
        public long CreateTime;
        public string? AppId;

        public readonly EventHeader ToRecord() => new() { EventId = EventId, EventType = EventType, CreateTime = CreateTime, AppId = AppId };
    }

    /// <summary>The <c>event</c> member of an event frame.</summary>
    public struct PayloadParts
    {
        public EventSender? Sender;
        public bool HasMessage;
        public MessageParts Message;
        public string? RunId;
        public string? AssistantMsgId;
        public string? GroupId;
        public string? ConversationId;

        public readonly EventPayload ToRecord() => new()
        {
            Sender = Sender,
            Message = HasMessage ? Message.ToRecord() : null,
            RunId = RunId,
            AssistantMsgId = AssistantMsgId,
            GroupId = GroupId,
            ConversationId = ConversationId,
        };
    }

    /// <summary>The <c>message</c> of an event; its <c>content</c> as the UTF-8 bytes received.</summary>
    public struct MessageParts
    {
        public string? MessageId;
        public string? ConversationId;
        public string? MsgType;

        /// <summary>The <c>content</c> value exactly as received; <see langword="null"/> when absent or JSON null.</summary>
        public byte[]? Content;

        /// <summary>Whether <see cref="Content"/> is a JSON object.</summary>
        public bool ContentIsObject;

        public long CreateTime;

        public readonly MessageBody ToRecord() => new()
        {
            MessageId = MessageId,
            ConversationId = ConversationId,
            MsgType = MsgType,
            Content = Content is null ? null : ParseContent(Content),
            CreateTime = CreateTime,
        };

        /// <summary>A content value's bytes as a <see cref="JsonElement"/> (its own copy, like <see cref="JsonElement.ParseValue"/> while reading the frame).</summary>
        public static JsonElement ParseContent(byte[] utf8)
        {
            var reader = new Utf8JsonReader(utf8);
            return JsonElement.ParseValue(ref reader);
        }
    }
}
