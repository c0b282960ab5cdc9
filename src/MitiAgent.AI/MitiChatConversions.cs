using Microsoft.Extensions.AI;
using MitiAgent.Protocol;
using TextContent = Microsoft.Extensions.AI.TextContent;

namespace MitiAgent.AI;

/// <summary>
/// Turns Miti messages into <c>Microsoft.Extensions.AI</c> chat messages: history (<see cref="HistoryMessage"/>) and
/// the message being answered (<see cref="MessageEvent"/>, <see cref="EventMessage"/>) with its text — leading @names
/// removed for <c>at_text</c> messages — and its images as <see cref="UriContent"/> (or <see cref="DataContent"/> for
/// <c>data:</c> URLs) with their media type.
/// </summary>
public static class MitiChatConversions
{
    /// <summary>The media type given to an image whose URL names none and whose file extension is not a known image type.</summary>
    public const string UnknownImageMediaType = "image/*";

    /// <summary>
    /// A history message as a chat message: role <c>assistant</c> → <see cref="ChatRole.Assistant"/>, anything else →
    /// <see cref="ChatRole.User"/>; the plain-text content as text (leading @names removed for <c>at_text</c>); the
    /// message id and, for users, the sender id as author.
    /// </summary>
    /// <param name="message">The history message.</param>
    /// <returns>The chat message.</returns>
    public static ChatMessage ToChatMessage(this HistoryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        bool assistant = string.Equals(message.Role, WireNames.Roles.Assistant, StringComparison.Ordinal);
        string text = message.Content ?? string.Empty;
        if (!assistant && string.Equals(message.MsgType, WireNames.MsgTypes.AtText, StringComparison.Ordinal))
        {
            text = StripLeadingMentions(text);
        }

        return new ChatMessage(assistant ? ChatRole.Assistant : ChatRole.User, text)
        {
            MessageId = message.MessageId,
            AuthorName = assistant ? null : message.SenderId,
            CreatedAt = message.CreateTime > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(message.CreateTime) : null,
        };
    }

    /// <summary>
    /// The content of an incoming message: its text as <see cref="TextContent"/> (leading @names removed for
    /// <c>at_text</c>; none when empty) followed by one <see cref="UriContent"/> or <see cref="DataContent"/> per image.
    /// </summary>
    /// <param name="message">The incoming message.</param>
    /// <returns>The contents, possibly empty (a message type without text or images).</returns>
    public static IList<AIContent> ToAIContents(this EventMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var contents = new List<AIContent>(1 + message.Images.Count);
        string? text = message.Text;
        if (text is not null && string.Equals(message.MsgType, WireNames.MsgTypes.AtText, StringComparison.Ordinal))
        {
            text = StripLeadingMentions(text);
        }

        if (!string.IsNullOrWhiteSpace(text))
        {
            contents.Add(new TextContent(text));
        }

        foreach (ImageItem image in message.Images)
        {
            contents.Add(ToAIContent(image));
        }

        return contents;
    }

    /// <summary>The message being answered as a <see cref="ChatRole.User"/> message (see <see cref="ToAIContents(EventMessage)"/>), authored by its sender.</summary>
    /// <param name="messageEvent">The event.</param>
    /// <returns>The chat message.</returns>
    public static ChatMessage ToChatMessage(this MessageEvent messageEvent)
    {
        ArgumentNullException.ThrowIfNull(messageEvent);
        return new ChatMessage(ChatRole.User, messageEvent.Message.ToAIContents())
        {
            MessageId = messageEvent.Message.MessageId,
            AuthorName = messageEvent.Sender.UserId,
            CreatedAt = messageEvent.Message.CreateTime,
        };
    }

    /// <summary>
    /// One image as content: a <c>data:</c> URL as <see cref="DataContent"/>, any other URL as <see cref="UriContent"/>.
    /// The media type is the image's <c>mime_type</c>, else the one of the URL's file extension, else
    /// <see cref="UnknownImageMediaType"/>.
    /// </summary>
    /// <param name="image">The image (its URL must be absolute).</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException">The image has no absolute URL.</exception>
    public static AIContent ToAIContent(this ImageItem image)
    {
        ArgumentNullException.ThrowIfNull(image);
        string url = image.Url ?? throw new ArgumentException("The image has no url.", nameof(image));
        string? mimeType = string.IsNullOrWhiteSpace(image.MimeType) ? null : image.MimeType;
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return mimeType is null ? new DataContent(url) : new DataContent(url, mimeType);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
        {
            throw new ArgumentException("The image url is not an absolute URL.", nameof(image));
        }

        return new UriContent(uri, mimeType ?? MediaTypeOf(uri));
    }

    /// <summary>Removes the leading @names (runs of non-blank characters starting with <c>@</c>) and the blanks after them.</summary>
    internal static string StripLeadingMentions(string text)
    {
        int i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length || text[i] != '@')
            {
                break;
            }

            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }
        }

        return text[i..];
    }

    private static string MediaTypeOf(Uri uri)
    {
        string path = uri.AbsolutePath;
        int dot = path.LastIndexOf('.');
        string extension = dot >= 0 ? path[(dot + 1)..].ToLowerInvariant() : string.Empty;
        return extension switch
        {
            "png" => "image/png",
            "jpg" or "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "webp" => "image/webp",
            "bmp" => "image/bmp",
            "svg" => "image/svg+xml",
            "heic" => "image/heic",
            _ => UnknownImageMediaType,
        };
    }
}
