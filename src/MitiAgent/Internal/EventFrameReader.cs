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
    /// <see langword="false"/> when the frame is not JSON or does not fit the event frame's shape; otherwise its
    /// <c>header</c> and <c>event</c> (each <see langword="null"/> when absent). The <c>type</c> member is checked
    /// for shape only (the caller already dispatched on it).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out EventHeader? header, out EventPayload? payload)
    {
        header = null;
        payload = null;
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
                    header = ReadObject(ref reader, ReadHeader);
                }
                else if (reader.ValueTextEquals("event"u8))
                {
                    payload = ReadObject(ref reader, ReadPayload);
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
            header = null;
            payload = null;
            return false;
        }
    }

    /// <summary>Moves to the next property name of the current object; <see langword="false"/> at its end.</summary>
    private static bool Next(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    private delegate T ObjectReader<T>(ref Utf8JsonReader reader);

    /// <summary>An object member (at its property name): <see langword="null"/> for JSON null; another kind does not fit.</summary>
    private static T? ReadObject<T>(ref Utf8JsonReader reader, ObjectReader<T> read)
        where T : class
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.StartObject => read(ref reader),
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

    private static EventHeader ReadHeader(ref Utf8JsonReader reader)
    {
        var header = new EventHeader();
        while (Next(ref reader))
        {
            if (reader.ValueTextEquals("event_id"u8))
            {
                header.EventId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("event_type"u8))
            {
                reader.Read();
                header.EventType = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => WireNameInterning.GetString(ref reader),
                    _ => throw new JsonException(),
                };
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

        return header;
    }

    private static EventPayload ReadPayload(ref Utf8JsonReader reader)
    {
        var payload = new EventPayload();
        while (Next(ref reader))
        {
            if (reader.ValueTextEquals("sender"u8))
            {
                payload.Sender = ReadObject(ref reader, ReadSender);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                payload.Message = ReadObject(ref reader, ReadMessage);
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

        return payload;
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

    private static MessageBody ReadMessage(ref Utf8JsonReader reader)
    {
        var message = new MessageBody();
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
                reader.Read();
                message.MsgType = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => WireNameInterning.GetString(ref reader),
                    _ => throw new JsonException(),
                };
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                message.Content = reader.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref reader);
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

        return message;
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
