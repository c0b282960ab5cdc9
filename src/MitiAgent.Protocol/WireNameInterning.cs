using System.Text.Json;
using System.Text.Json.Serialization;

namespace MitiAgent.Protocol;

/// <summary>
/// The wire's fixed names (frame <c>type</c>, <c>event_type</c>, <c>msg_type</c>) as the <see cref="WireNames"/>
/// constants: read by comparing UTF-8 bytes, so a known name costs no string per frame; any other value is read as is.
/// </summary>
internal static class WireNameInterning
{
    // Checked in this order: the names of every inbound text event come first.
    private static readonly (byte[] Utf8, string Name)[] Known =
    [
        ("event"u8.ToArray(), WireNames.FrameTypes.Event),
        ("im.message.receive"u8.ToArray(), WireNames.EventTypes.MessageReceive),
        ("text"u8.ToArray(), WireNames.MsgTypes.Text),
        ("ack"u8.ToArray(), WireNames.FrameTypes.Ack),
        ("pong"u8.ToArray(), WireNames.FrameTypes.Pong),
        ("im.message.group_at"u8.ToArray(), WireNames.EventTypes.GroupAt),
        ("at_text"u8.ToArray(), WireNames.MsgTypes.AtText),
        ("assistant.cancel"u8.ToArray(), WireNames.EventTypes.AssistantCancel),
        ("image"u8.ToArray(), WireNames.MsgTypes.Image),
        ("multimodal"u8.ToArray(), WireNames.MsgTypes.Multimodal),
        ("hello"u8.ToArray(), WireNames.FrameTypes.Hello),
        ("reconnect"u8.ToArray(), WireNames.FrameTypes.Reconnect),
        ("ping"u8.ToArray(), WireNames.FrameTypes.Ping),
        ("stream"u8.ToArray(), WireNames.FrameTypes.Stream),
        ("stream_full"u8.ToArray(), WireNames.MsgTypes.StreamFull),
    ];

    /// <summary>The current string token: a <see cref="WireNames"/> constant when it is one, else a new string.</summary>
    public static string? GetString(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            ReadOnlySpan<byte> value = reader.ValueSpan;
            foreach ((byte[] utf8, string name) in Known)
            {
                if (value.SequenceEqual(utf8))
                {
                    return name;
                }
            }
        }

        return reader.GetString();
    }
}

/// <summary>Reads a wire name through <see cref="WireNameInterning"/> (no string per frame for the known ones).</summary>
internal sealed class WireNameConverter : JsonConverter<string>
{
    /// <inheritdoc />
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? WireNameInterning.GetString(ref reader)
            : throw new JsonException("A wire name must be a JSON string.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
