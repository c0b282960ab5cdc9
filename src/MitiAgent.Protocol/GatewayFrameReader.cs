using System.Text.Json;

namespace MitiAgent.Protocol;

/// <summary>
/// Reads the <c>type</c> member of a gateway frame without materialising the frame, so a reader can
/// pick the right <see cref="MitiJsonContext"/> type info (or skip an unknown type) in one pass.
/// </summary>
public static class GatewayFrameReader
{
    /// <summary>
    /// Finds the top-level <c>type</c> string of a UTF-8 JSON frame.
    /// </summary>
    /// <param name="utf8Json">One complete frame.</param>
    /// <param name="type">The <c>type</c> value, or <see langword="null"/> when the object has none (or it is not a string).</param>
    /// <returns><see langword="false"/> when the frame is not a well-formed JSON object.</returns>
    public static bool TryReadType(ReadOnlySpan<byte> utf8Json, out string? type)
    {
        type = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    // Must be the end of the document: anything after it makes the frame malformed.
                    return !reader.Read();
                }

                bool isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isType && type is null && reader.TokenType == JsonTokenType.String)
                {
                    type = WireNameInterning.GetString(ref reader); // a known type costs no string per frame
                }
                else if (!reader.TrySkip())
                {
                    return false;
                }
            }

            return false;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString() on a "type" value that is not valid UTF-8.
            type = null;
            return false;
        }
    }

    /// <summary>Deserializes a frame with the given type info; <see langword="null"/> when the JSON does not fit it.</summary>
    public static T? TryDeserialize<T>(ReadOnlySpan<byte> utf8Json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(utf8Json, typeInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
