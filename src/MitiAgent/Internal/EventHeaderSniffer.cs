using System.Text.Json;

namespace MitiAgent.Internal;

/// <summary>
/// Reads <c>header.event_id</c> and <c>header.event_type</c> from a frame that is valid JSON but does not fit the
/// event shape (a member of the wrong type elsewhere), so the event can still be acked and logged (spec §5).
/// </summary>
internal static class EventHeaderSniffer
{
    /// <summary>
    /// <see langword="true"/> when <paramref name="utf8Json"/> is one well-formed JSON object; the id and type are
    /// set when the header has them as non-blank strings.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out string? eventId, out string? eventType)
    {
        eventId = null;
        eventType = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isHeader = reader.ValueTextEquals("header"u8);
                reader.Read();
                if (isHeader && reader.TokenType == JsonTokenType.StartObject && eventId is null && eventType is null)
                {
                    ReadHeader(ref reader, ref eventId, ref eventType);
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                eventId = eventType = null;
                return false;
            }

            return true;
        }
        catch (JsonException)
        {
            eventId = eventType = null;
            return false;
        }
    }

    private static void ReadHeader(ref Utf8JsonReader reader, ref string? eventId, ref string? eventType)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isId = reader.ValueTextEquals("event_id"u8);
            bool isType = !isId && reader.ValueTextEquals("event_type"u8);
            reader.Read();
            if ((isId || isType) && reader.TokenType == JsonTokenType.String)
            {
                string? value = reader.GetString();
                value = string.IsNullOrWhiteSpace(value) ? null : value;
                if (isId)
                {
                    eventId = value;
                }
                else
                {
                    eventType = value;
                }
            }
            else
            {
                reader.Skip();
            }
        }
    }
}
