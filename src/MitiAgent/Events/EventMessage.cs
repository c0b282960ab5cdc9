using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// The message of a <see cref="MessageEvent"/> (spec §5): ids, <c>msg_type</c>, the raw <c>content</c> object and,
/// for the known types, its text and images.
/// </summary>
public sealed class EventMessage
{
    // The content as received: parsed into a JsonElement only when Content is read (most handlers read Text only).
    private readonly byte[] _contentUtf8;
    private readonly long _createTime;
    private StrongBox<JsonElement>? _content;

    private EventMessage(in EventFrameParts.MessageParts body, byte[] content, string? text, IReadOnlyList<ImageItem> images, IReadOnlyList<string> mentionedUserIds)
    {
        MessageId = body.MessageId!;
        ConversationId = body.ConversationId!;
        MsgType = body.MsgType!;
        _contentUtf8 = content;
        _createTime = body.CreateTime;
        Text = text;
        Images = images;
        MentionedUserIds = mentionedUserIds;
    }

    /// <summary>The message id; replies name it in <c>reply_to_message_id</c>.</summary>
    public string MessageId { get; }

    /// <summary>
    /// The conversation (spec §5: every message carries one); <see cref="MessageEvent.GetHistoryAsync(int, CancellationToken)"/>
    /// reads its history. An event whose message lacks it is malformed: logged, acked and skipped.
    /// </summary>
    public string ConversationId { get; }

    /// <summary>The <c>msg_type</c>: one of <see cref="WireNames.MsgTypes"/>, or another type passed through intact.</summary>
    public string MsgType { get; }

    /// <summary>The <c>content</c> object exactly as received (for any <c>msg_type</c>).</summary>
    public JsonElement Content =>
        (Volatile.Read(ref _content) ?? Interlocked.CompareExchange(ref _content, new(EventFrameParts.MessageParts.ParseContent(_contentUtf8)), null) ?? _content!).Value;

    /// <summary>When the message was sent.</summary>
    public DateTimeOffset CreateTime => DateTimeOffset.FromUnixTimeMilliseconds(_createTime);

    /// <summary>The text of a <c>text</c>, <c>at_text</c> (with the leading @names) or <c>multimodal</c> message; <see langword="null"/> otherwise.</summary>
    public string? Text { get; }

    /// <summary>The images of an <c>image</c> or <c>multimodal</c> message; empty otherwise.</summary>
    public IReadOnlyList<ImageItem> Images { get; }

    /// <summary>The <c>atUserList</c> of an <c>at_text</c> message (user ids); empty otherwise.</summary>
    public IReadOnlyList<string> MentionedUserIds { get; }

    /// <summary>The ids and type; never content.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => "EventMessage { MessageId = " + MessageId + ", MsgType = " + MsgType + " }";

    /// <summary>Deserializes the content into <paramref name="info"/>'s type straight from its bytes (no JsonElement).</summary>
    internal T? DeserializeContent<T>(JsonTypeInfo<T> info) => JsonSerializer.Deserialize(_contentUtf8, info);

    internal static bool TryCreate(
        in EventFrameParts.MessageParts body,
        [NotNullWhen(true)] out EventMessage? message,
        [NotNullWhen(false)] out string? reason)
    {
        message = null;
        if (string.IsNullOrWhiteSpace(body.MessageId))
        {
            reason = "missing message.message_id";
            return false;
        }

        if (string.IsNullOrWhiteSpace(body.MsgType))
        {
            reason = "missing message.msg_type";
            return false;
        }

        if (body.Content is not { } content || !body.ContentIsObject)
        {
            reason = "message.content is not a JSON object";
            return false;
        }

        string? text = null;
        IReadOnlyList<ImageItem> images = [];
        IReadOnlyList<string> mentioned = [];
        try
        {
            switch (body.MsgType)
            {
                // text and at_text (the hot path) are read from the content's bytes with one reader, not parsed into a document.
                case WireNames.MsgTypes.Text:
                    if (!TryReadTextMembers(content, readMentions: false, out text, out _))
                    {
                        reason = "message.content does not fit msg_type " + body.MsgType;
                        return false;
                    }

                    if (text is null)
                    {
                        reason = "text message without content.text";
                        return false;
                    }

                    break;
                case WireNames.MsgTypes.AtText:
                    if (!TryReadTextMembers(content, readMentions: true, out text, out mentioned))
                    {
                        reason = "message.content does not fit msg_type " + body.MsgType;
                        return false;
                    }

                    if (text is null)
                    {
                        reason = "at_text message without content.text";
                        return false;
                    }

                    break;
                case WireNames.MsgTypes.Image:
                    IReadOnlyList<ImageItem>? imageList = JsonSerializer.Deserialize(content, MitiJsonContext.Default.ImageContent)?.Images;
                    if (imageList is null || imageList.Count == 0)
                    {
                        reason = "image message without content.images";
                        return false;
                    }

                    images = [.. imageList];
                    break;
                case WireNames.MsgTypes.Multimodal:
                    MultimodalContent? multimodal = JsonSerializer.Deserialize(content, MitiJsonContext.Default.MultimodalContent);
                    text = multimodal?.Text;
                    images = multimodal?.Images is { } multimodalImages ? [.. multimodalImages] : [];
                    break;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8 (found by GetString, not by the reader).
            reason = "message.content does not fit msg_type " + body.MsgType;
            return false;
        }

        foreach (ImageItem? image in images)
        {
            if (image is null || string.IsNullOrWhiteSpace(image.Url))
            {
                reason = "an image without url";
                return false;
            }
        }

        if (string.IsNullOrWhiteSpace(body.ConversationId))
        {
            reason = "missing message.conversation_id";
            return false;
        }

        message = new EventMessage(body, content, text, images, mentioned);
        reason = null;
        return true;
    }

    /// <summary>
    /// Reads <c>text</c> (and <c>atUserList</c>) of a content object as looking them up in its
    /// <see cref="JsonElement"/> would: the last of duplicate members counts; absent or null → null / empty; another
    /// kind does not fit (<see langword="false"/>).
    /// </summary>
    private static bool TryReadTextMembers(byte[] content, bool readMentions, out string? text, out IReadOnlyList<string> ids)
    {
        text = null;
        ids = [];
        bool textFits = true, idsFit = true;
        var reader = new Utf8JsonReader(content);
        reader.Read(); // StartObject: the frame reader checked the kind
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                textFits = reader.TokenType is JsonTokenType.String or JsonTokenType.Null;
                text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (readMentions && reader.ValueTextEquals("atUserList"u8))
            {
                reader.Read();
                ids = [];
                idsFit = reader.TokenType switch
                {
                    JsonTokenType.Null => true,
                    JsonTokenType.StartArray => TryReadIds(ref reader, out ids),
                    _ => false,
                };
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return textFits && idsFit;
    }

    /// <summary>
    /// An array of ids (null and empty entries left out), read to its end; an entry of another kind does not fit.
    /// </summary>
    private static bool TryReadIds(ref Utf8JsonReader reader, out IReadOnlyList<string> ids)
    {
        var list = new List<string>();
        bool fits = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                string id = reader.GetString()!;
                if (id.Length > 0)
                {
                    list.Add(id);
                }
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                fits = false;
                reader.Skip(); // a nested object or array
            }
        }

        ids = fits ? list : [];
        return fits;
    }
}
