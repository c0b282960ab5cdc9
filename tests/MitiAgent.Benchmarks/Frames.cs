using System.Text;
using MitiAgent.Protocol;

namespace MitiAgent.Benchmarks;

/// <summary>
/// A realistic text event frame (spec §5) whose <c>event_id</c> digits are rewritten in place, so every event is new
/// to the SDK's dedupe and making the next frame allocates nothing.
/// </summary>
internal sealed class EventFrameTemplate
{
    private const string IdPrefix = "evt-";
    private const int IdDigits = 12;
    private readonly int _idOffset;
    private long _next;

    public EventFrameTemplate(string eventType = WireNames.EventTypes.MessageReceive, string msgType = "text", string content = """{"text":"hello, how are you today?"}""")
    {
        string json =
            "{\"type\":\"event\",\"header\":{\"event_id\":\"" + IdPrefix + new string('0', IdDigits) + "\",\"event_type\":\"" + eventType
            + "\",\"create_time\":1750240805000,\"app_id\":\"cli_a1b2c3\"},\"event\":{\"sender\":{\"user_id\":\"u_abc123\",\"name\":\"Alice\"},"
            + "\"message\":{\"message_id\":\"msg-77aa\",\"conversation_id\":\"conv-u_abc123\",\"msg_type\":\"" + msgType + "\",\"content\":" + content
            + ",\"create_time\":1750240805000},\"run_id\":\"run-5d1e\",\"assistant_msg_id\":\"msg-77ab\""
            + (eventType == WireNames.EventTypes.GroupAt ? ",\"group_id\":\"sg_xyz789\"" : string.Empty) + "}}";
        Bytes = Encoding.UTF8.GetBytes(json);
        _idOffset = json.IndexOf(IdPrefix, StringComparison.Ordinal) + IdPrefix.Length;
    }

    /// <summary>The frame; its id changes with every <see cref="Next"/>.</summary>
    public byte[] Bytes { get; }

    /// <summary>Gives the frame the next id (in place) and returns it.</summary>
    public byte[] Next()
    {
        long id = Interlocked.Increment(ref _next);
        for (int i = _idOffset + IdDigits - 1; i >= _idOffset; i--)
        {
            Bytes[i] = (byte)('0' + (id % 10));
            id /= 10;
        }

        return Bytes;
    }
}

/// <summary>What a minimal raw client does per event: read <c>header.event_id</c> and write the ack frame.</summary>
internal sealed class RawAckWriter
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _ack = new(128);
    private readonly System.Text.Json.Utf8JsonWriter _writer;

    public RawAckWriter() => _writer = new System.Text.Json.Utf8JsonWriter(_ack);

    /// <summary>The event id of a frame, or null.</summary>
    public static string? ReadEventId(ReadOnlySpan<byte> frame)
    {
        var reader = new System.Text.Json.Utf8JsonReader(frame);
        int depth = 0;
        bool inHeader = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case System.Text.Json.JsonTokenType.StartObject:
                    depth++;
                    break;
                case System.Text.Json.JsonTokenType.EndObject:
                    depth--;
                    inHeader = false;
                    break;
                case System.Text.Json.JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("header"u8):
                    inHeader = true;
                    break;
                case System.Text.Json.JsonTokenType.PropertyName when depth == 2 && inHeader && reader.ValueTextEquals("event_id"u8):
                    reader.Read();
                    return reader.GetString();
            }
        }

        return null;
    }

    /// <summary>Writes <c>{"type":"ack","event_id":…}</c> into a reused buffer.</summary>
    public ReadOnlyMemory<byte> Ack(string eventId)
    {
        _ack.ResetWrittenCount();
        _writer.Reset();
        _writer.WriteStartObject();
        _writer.WriteString("type"u8, "ack"u8);
        _writer.WriteString("event_id"u8, eventId);
        _writer.WriteEndObject();
        _writer.Flush();
        return _ack.WrittenMemory;
    }
}
