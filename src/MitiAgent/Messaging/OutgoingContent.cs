using System.Text.Json;
using MitiAgent.Internal;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// The <c>msg_type</c> and <c>content</c> of an outbound message (spec §6.1), validated when built and serialised
/// through the source-generated <see cref="MitiJsonContext"/> (no reflection). Immutable.
/// </summary>
public sealed class OutgoingContent
{
    private OutgoingContent(string msgType, JsonElement content)
    {
        MsgType = msgType;
        Content = content;
    }

    /// <summary>The wire <c>msg_type</c>, e.g. <c>text</c> or <c>stream_full</c>.</summary>
    public string MsgType { get; }

    /// <summary>The wire <c>content</c> object.</summary>
    public JsonElement Content { get; }

    /// <summary>Plain text: <c>text</c> <c>{"text"}</c>.</summary>
    /// <param name="text">Not empty, at most 20 000 characters.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException"><paramref name="text"/> is empty or too long.</exception>
    public static OutgoingContent Text(string text)
    {
        TextLimits.Validate(text, nameof(text));
        return new OutgoingContent(
            WireNames.MsgTypes.Text,
            JsonSerializer.SerializeToElement(new TextContent { Text = text }, MitiJsonContext.Default.TextContent));
    }

    /// <summary>
    /// A complete markdown answer: <c>stream_full</c> <c>{"markdown", "ask_msg_id", "finished": true}</c>
    /// (the reference's <c>build_stream_full_markdown(markdown, ask_msg_id)</c>).
    /// </summary>
    /// <param name="markdown">Not empty, at most 20 000 characters.</param>
    /// <param name="askMsgId">The id of the message being answered, if any.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException"><paramref name="markdown"/> is empty or too long, or <paramref name="askMsgId"/> is blank.</exception>
    public static OutgoingContent Markdown(string markdown, string? askMsgId = null)
    {
        TextLimits.Validate(markdown, nameof(markdown));
        if (askMsgId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(askMsgId);
        }

        return new OutgoingContent(
            WireNames.MsgTypes.StreamFull,
            JsonSerializer.SerializeToElement(
                new StreamFullContent { Markdown = markdown, AskMsgId = askMsgId, Finished = true },
                MitiJsonContext.Default.StreamFullContent));
    }

    /// <summary>Text that mentions users: <c>at_text</c> <c>{"text", "atUserList"}</c>. The text should start with the @names.</summary>
    /// <param name="text">Not empty, at most 20 000 characters.</param>
    /// <param name="atUserIds">The mentioned user ids; at least one, none empty.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException">The text is empty or too long, or the user list is empty or has an empty id.</exception>
    public static OutgoingContent AtText(string text, IEnumerable<string> atUserIds)
    {
        TextLimits.Validate(text, nameof(text));
        ArgumentNullException.ThrowIfNull(atUserIds);
        string[] ids = [.. atUserIds];
        if (ids.Length == 0)
        {
            throw new ArgumentException("At least one mentioned user id is required.", nameof(atUserIds));
        }

        foreach (string id in ids)
        {
            if (string.IsNullOrWhiteSpace(id))
            {
                throw new ArgumentException("Mentioned user ids must not be empty.", nameof(atUserIds));
            }
        }

        return new OutgoingContent(
            WireNames.MsgTypes.AtText,
            JsonSerializer.SerializeToElement(new AtTextContent { Text = text, AtUserList = ids }, MitiJsonContext.Default.AtTextContent));
    }

    /// <summary>One image: <c>image</c> <c>{"images": [{"url", "mime_type"}]}</c>.</summary>
    /// <param name="url">Where the image can be downloaded; an absolute URL.</param>
    /// <param name="mimeType">Optional MIME type, e.g. <c>image/png</c>.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException">The URL is empty or not absolute.</exception>
    public static OutgoingContent Image(string url, string? mimeType = null) =>
        Image([new ImageItem { Url = url, MimeType = mimeType }]);

    /// <summary>Images: <c>image</c> <c>{"images": [...]}</c>.</summary>
    /// <param name="images">At least one image, each with an absolute URL.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException">No images, or an image without an absolute URL.</exception>
    public static OutgoingContent Image(IEnumerable<ImageItem> images)
    {
        ImageItem[] items = ValidateImages(images, nameof(images), requireOne: true);
        return new OutgoingContent(
            WireNames.MsgTypes.Image,
            JsonSerializer.SerializeToElement(new ImageContent { Images = items }, MitiJsonContext.Default.ImageContent));
    }

    /// <summary>Text with images: <c>multimodal</c> <c>{"text", "images": [...]}</c>.</summary>
    /// <param name="text">At most 20 000 characters; may be empty only when there are images.</param>
    /// <param name="images">The images, each with an absolute URL.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException">Neither text nor images, the text is too long, or an image has no absolute URL.</exception>
    public static OutgoingContent Multimodal(string? text, IEnumerable<ImageItem> images)
    {
        ImageItem[] items = ValidateImages(images, nameof(images), requireOne: false);
        if (string.IsNullOrWhiteSpace(text))
        {
            if (items.Length == 0)
            {
                throw new ArgumentException("A multimodal message needs text or at least one image.", nameof(text));
            }

            text = null;
        }
        else
        {
            TextLimits.Validate(text, nameof(text));
        }

        return new OutgoingContent(
            WireNames.MsgTypes.Multimodal,
            JsonSerializer.SerializeToElement(new MultimodalContent { Text = text, Images = items }, MitiJsonContext.Default.MultimodalContent));
    }

    /// <summary>Any <c>msg_type</c> with a content object built by the caller (passed through unchanged).</summary>
    /// <param name="msgType">The wire <c>msg_type</c>; not empty.</param>
    /// <param name="content">A JSON object; it is cloned, so the caller's document may be disposed.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException"><paramref name="msgType"/> is empty or <paramref name="content"/> is not a JSON object.</exception>
    public static OutgoingContent Raw(string msgType, JsonElement content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(msgType);
        if (content.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("The content must be a JSON object.", nameof(content));
        }

        return new OutgoingContent(msgType, content.Clone());
    }

    /// <summary>
    /// Any <c>msg_type</c> with typed content (an app's own type, e.g. a card or a tool result), serialized with the
    /// JSON metadata the MitiAgent source generator writes for <typeparamref name="T"/> (snake_case names unless
    /// <c>[JsonPropertyName]</c>; no reflection). The generator finds <typeparamref name="T"/> in this call.
    /// </summary>
    /// <typeparam name="T">A class or record that serializes to a JSON object.</typeparam>
    /// <param name="msgType">The wire <c>msg_type</c>; not empty.</param>
    /// <param name="value">The content.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException"><paramref name="msgType"/> is empty, or <paramref name="value"/> does not serialize to a JSON object.</exception>
    /// <exception cref="InvalidOperationException">No JSON metadata describes <typeparamref name="T"/>.</exception>
    public static OutgoingContent Create<T>(string msgType, T value) =>
        Create(msgType, value, MitiContentJson.GetTypeInfo<T>());

    /// <summary>Any <c>msg_type</c> with typed content serialized with the given metadata (e.g. from your own <c>JsonSerializerContext</c>).</summary>
    /// <typeparam name="T">A type that serializes to a JSON object.</typeparam>
    /// <param name="msgType">The wire <c>msg_type</c>; not empty.</param>
    /// <param name="value">The content.</param>
    /// <param name="typeInfo">The metadata to serialize with.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException"><paramref name="msgType"/> is empty, or <paramref name="value"/> does not serialize to a JSON object.</exception>
    public static OutgoingContent Create<T>(string msgType, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(msgType);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(typeInfo);
        JsonElement content = JsonSerializer.SerializeToElement(value, typeInfo);
        if (content.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("The content must serialize to a JSON object.", nameof(value));
        }

        return new OutgoingContent(msgType, content);
    }

    /// <summary>The <c>msg_type</c> only; content is never part of the string.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => "OutgoingContent { MsgType = " + MsgType + " }";

    /// <summary>Builds the send request body for <paramref name="target"/>.</summary>
    internal SendMessageRequest ToRequest(MessageTarget target, string? replyToMessageId)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (replyToMessageId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(replyToMessageId);
        }

        return new SendMessageRequest
        {
            ToUserId = target.Kind == MessageTargetKind.User ? target.Id : null,
            ToGroupId = target.Kind == MessageTargetKind.Group ? target.Id : null,
            MsgType = MsgType,
            Content = Content,
            ReplyToMessageId = replyToMessageId,
        };
    }

    private static ImageItem[] ValidateImages(IEnumerable<ImageItem> images, string paramName, bool requireOne)
    {
        ArgumentNullException.ThrowIfNull(images, paramName);
        ImageItem[] items = [.. images];
        if (requireOne && items.Length == 0)
        {
            throw new ArgumentException("At least one image is required.", paramName);
        }

        foreach (ImageItem? item in items)
        {
            if (item is null || string.IsNullOrWhiteSpace(item.Url) || !Uri.TryCreate(item.Url, UriKind.Absolute, out _))
            {
                throw new ArgumentException("Every image needs an absolute URL.", paramName);
            }
        }

        return items;
    }
}
