using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// Reads an <c>event</c> frame's header and payload with one <see cref="Utf8JsonReader"/> pass: the same result as
/// <c>JsonSerializer.Deserialize(frame, MitiJsonContext.Default.EventFrame)</c> (unknown members skipped, the last of
/// duplicate members wins, nothing when the JSON does not fit the shape), without the serializer's per-call read
/// stack (about 480 bytes per frame) or the <see cref="EventFrame"/> wrapper: this is the frame of every inbound event.
/// </summary>
internal static class EventFrameReader
{
    // app_id is the same on every event of a client: the last one is kept, so it costs no string per frame.
    private static volatile CachedString? s_appId;

    /// <summary>
    /// <see langword="false"/> when the frame is not JSON or does not fit the event frame's shape; otherwise the
    /// members the SDK reads, in one value: no <see cref="EventHeader"/>, <see cref="EventPayload"/> or
    /// <see cref="MessageBody"/> object per frame, and the message content kept as its bytes (parsed only when read).
    /// The <c>type</c> member is checked for shape only (the caller already dispatched on it).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out EventFrameParts parts)
    {
        parts = default;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (Next(ref reader))
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("header"u8))
                {
                    parts.Header = default; // the last of duplicate members wins, as a whole
                    parts.HasHeader = ReadObject(ref reader) && ReadHeader(ref reader, ref parts.Header);
                }
                else if (reader.ValueTextEquals("event"u8))
                {
                    parts.Payload = default;
                    parts.HasPayload = ReadObject(ref reader) && ReadPayload(ref reader, utf8Json, ref parts.Payload);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                return false; // nothing may follow the object
            }

            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8 (the serializer reports it as JsonException).
            parts = default;
            return false;
        }
    }

    /// <summary>
    /// The frame as the serializer's records (<c>JsonSerializer.Deserialize(frame, MitiJsonContext.Default.EventFrame)</c>
    /// without the wrapper); tests compare the two.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out EventHeader? header, out EventPayload? payload)
    {
        bool read = TryRead(utf8Json, out EventFrameParts parts);
        header = parts.HasHeader ? parts.Header.ToRecord() : null;
        payload = parts.HasPayload ? parts.Payload.ToRecord() : null;
        return read;
    }

    /// <summary>Moves to the next property name of the current object; <see langword="false"/> at its end.</summary>
    private static bool Next(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    /// <summary>
    /// An object member (at its property name): <see langword="true"/> at its start, <see langword="false"/> for JSON
    /// null; another kind does not fit.
    /// </summary>
    private static bool ReadObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => false,
            JsonTokenType.StartObject => true,
            _ => throw new JsonException(),
        };
    }

    /// <summary>A string member (at its property name): <see langword="null"/> for JSON null; another kind does not fit.</summary>
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            _ => throw new JsonException(),
        };
    }

    /// <summary>A 64-bit integer member (strict number handling: a JSON number without fraction).</summary>
    private static long ReadInt64(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) ? value : throw new JsonException();
    }

    private static bool ReadHeader(ref Utf8JsonReader reader, ref EventFrameParts.HeaderParts header)
    {
        while (Next(ref reader))
        {
            if (reader.ValueTextEquals("event_id"u8))
            {
                header.EventId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("event_type"u8))
            {
                header.EventType = ReadWireName(ref reader);
            }
            else if (reader.ValueTextEquals("create_time"u8))
            {
                header.CreateTime = ReadInt64(ref reader);
            }
            else if (reader.ValueTextEquals("app_id"u8))
            {
                reader.Read();
                header.AppId = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => ReadAppId(ref reader),
                    _ => throw new JsonException(),
                };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return true;
    }

    private static bool ReadPayload(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8Json, ref EventFrameParts.PayloadParts payload)
    {
        while (Next(ref reader))
        {
            if (reader.ValueTextEquals("sender"u8))
            {
                payload.Sender = ReadObject(ref reader) ? ReadSender(ref reader) : null;
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                payload.Message = default;
                payload.HasMessage = ReadObject(ref reader) && ReadMessage(ref reader, utf8Json, ref payload.Message);
            }
            else if (reader.ValueTextEquals("run_id"u8))
            {
                payload.RunId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("assistant_msg_id"u8))
            {
                payload.AssistantMsgId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("group_id"u8))
            {
                payload.GroupId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("conversation_id"u8))
            {
                payload.ConversationId = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return true;
    }

    private static EventSender ReadSender(ref Utf8JsonReader reader)
    {
        var sender = new EventSender();
        while (Next(ref reader))
        {
            if (reader.ValueTextEquals("user_id"u8))
            {
                sender.UserId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                sender.Name = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return sender;
    }

    private static bool ReadMessage(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8Json, ref EventFrameParts.MessageParts message)
    {
        while (Next(ref reader))
        {
            if (reader.ValueTextEquals("message_id"u8))
            {
                message.MessageId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("conversation_id"u8))
            {
                message.ConversationId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("msg_type"u8))
            {
                message.MsgType = ReadWireName(ref reader);
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                // Kept as its bytes (one small array) instead of a JsonDocument: most handlers read only the text.
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    message.Content = null;
                }
                else
                {
                    int start = (int)reader.TokenStartIndex;
                    message.ContentIsObject = reader.TokenType == JsonTokenType.StartObject;
                    reader.Skip();
                    message.Content = utf8Json[start..(int)reader.BytesConsumed].ToArray();
                }
            }
            else if (reader.ValueTextEquals("create_time"u8))
            {
                message.CreateTime = ReadInt64(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return true;
    }

    /// <summary>A string member that is usually a known wire name (a known name costs no string).</summary>
    private static string? ReadWireName(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => WireNameInterning.GetString(ref reader),
            _ => throw new JsonException(),
        };
    }

    private static string ReadAppId(ref Utf8JsonReader reader)
    {
        if (s_appId is { } cached && !reader.HasValueSequence && !reader.ValueIsEscaped && reader.ValueSpan.SequenceEqual(cached.Utf8))
        {
            return cached.Value;
        }

        string value = reader.GetString()!;
        s_appId = new CachedString(System.Text.Encoding.UTF8.GetBytes(value), value);
        return value;
    }

    private sealed record CachedString(byte[] Utf8, string Value);
}
