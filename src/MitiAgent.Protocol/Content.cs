using System.Text.Json.Serialization;

namespace MitiAgent.Protocol;

/// <summary><c>text</c> content: <c>{"text"}</c>.</summary>
public sealed record TextContent
{
    /// <summary>Plain text, at most <see cref="WireNames.Defaults.MaxTextLength"/> characters when sent.</summary>
    public string? Text { get; set; }
}

/// <summary><c>at_text</c> content: <c>{"text": "@Bot question", "atUserList": ["u_bot"]}</c>.</summary>
public sealed record AtTextContent
{
    /// <summary>The text, starting with the @names.</summary>
    public string? Text { get; set; }

    /// <summary>The mentioned user ids. The wire name is camelCase (<c>atUserList</c>), as the reference sends it.</summary>
    [JsonPropertyName("atUserList")]
    public IReadOnlyList<string>? AtUserList { get; set; }
}

/// <summary>One image of an <c>image</c> or <c>multimodal</c> message.</summary>
public sealed record ImageItem
{
    /// <summary>Where the image can be downloaded.</summary>
    public string? Url { get; set; }

    /// <summary>Optional MIME type, e.g. <c>image/png</c>.</summary>
    public string? MimeType { get; set; }
}

/// <summary><c>image</c> content: <c>{"images": [...]}</c>.</summary>
public sealed record ImageContent
{
    /// <summary>The images, in the order they are shown (at least one).</summary>
    public IReadOnlyList<ImageItem>? Images { get; set; }
}

/// <summary><c>multimodal</c> content: <c>{"text", "images": [...]}</c>.</summary>
public sealed record MultimodalContent
{
    /// <summary>The text shown with the images.</summary>
    public string? Text { get; set; }

    /// <summary>The images shown with the text, in order.</summary>
    public IReadOnlyList<ImageItem>? Images { get; set; }
}

/// <summary>
/// <c>stream_full</c> content (Miti content type 125, a complete markdown answer):
/// <c>{"markdown", "ask_msg_id", "finished": true}</c>.
/// </summary>
public sealed record StreamFullContent
{
    /// <summary>The markdown answer.</summary>
    public string? Markdown { get; init; }

    /// <summary>The id of the message being answered.</summary>
    public string? AskMsgId { get; init; }

    /// <summary>Always <see langword="true"/> for a complete answer.</summary>
    public bool Finished { get; set; } = true;
}
