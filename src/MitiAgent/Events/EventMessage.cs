using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// The message of a <see cref="MessageEvent"/> (spec §5): ids, <c>msg_type</c>, the raw <c>content</c> object and,
/// for the known types, its text and images.
/// </summary>
public sealed class EventMessage
{
    private EventMessage(MessageBody body, JsonElement content, string? text, IReadOnlyList<ImageItem> images, IReadOnlyList<string> mentionedUserIds)
    {
        MessageId = body.MessageId!;
        ConversationId = body.ConversationId!;
        MsgType = body.MsgType!;
        Content = content;
        CreateTime = DateTimeOffset.FromUnixTimeMilliseconds(body.CreateTime);
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
    public JsonElement Content { get; }

    /// <summary>When the message was sent.</summary>
    public DateTimeOffset CreateTime { get; }

    /// <summary>The text of a <c>text</c>, <c>at_text</c> (with the leading @names) or <c>multimodal</c> message; <see langword="null"/> otherwise.</summary>
    public string? Text { get; }

    /// <summary>The images of an <c>image</c> or <c>multimodal</c> message; empty otherwise.</summary>
    public IReadOnlyList<ImageItem> Images { get; }

    /// <summary>The <c>atUserList</c> of an <c>at_text</c> message (user ids); empty otherwise.</summary>
    public IReadOnlyList<string> MentionedUserIds { get; }

    /// <summary>The ids and type; never content.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => "EventMessage { MessageId = " + MessageId + ", MsgType = " + MsgType + " }";

    internal static bool TryCreate(
        MessageBody body,
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

        if (body.Content is not { ValueKind: JsonValueKind.Object } content)
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
                // text and at_text (the hot path) are read from the content element parsed with the frame, not deserialized again.
                case WireNames.MsgTypes.Text:
                    if (!TryReadString(content, "text", out text))
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
                    if (!TryReadString(content, "text", out text) || !TryReadIds(content, "atUserList", out mentioned))
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
                    IReadOnlyList<ImageItem>? imageList = content.Deserialize(MitiJsonContext.Default.ImageContent)?.Images;
                    if (imageList is null || imageList.Count == 0)
                    {
                        reason = "image message without content.images";
                        return false;
                    }

                    images = [.. imageList];
                    break;
                case WireNames.MsgTypes.Multimodal:
                    MultimodalContent? multimodal = content.Deserialize(MitiJsonContext.Default.MultimodalContent);
                    text = multimodal?.Text;
                    images = multimodal?.Images is { } multimodalImages ? [.. multimodalImages] : [];
                    break;
            }
        }
        catch (JsonException)
        {
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

    /// <summary>A string member as deserialization reads it: absent or null → null; another kind does not fit.</summary>
    private static bool TryReadString(JsonElement content, string name, out string? value)
    {
        value = null;
        if (!content.TryGetProperty(name, out JsonElement member) || member.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (member.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = member.GetString();
        return true;
    }

    /// <summary>An array of ids (null and empty entries left out): absent or null → empty; another shape does not fit.</summary>
    private static bool TryReadIds(JsonElement content, string name, out IReadOnlyList<string> ids)
    {
        ids = [];
        if (!content.TryGetProperty(name, out JsonElement member) || member.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (member.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var list = new List<string>(member.GetArrayLength());
        foreach (JsonElement item in member.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                string id = item.GetString()!;
                if (id.Length > 0)
                {
                    list.Add(id);
                }
            }
            else if (item.ValueKind != JsonValueKind.Null)
            {
                return false;
            }
        }

        ids = list;
        return true;
    }
}
