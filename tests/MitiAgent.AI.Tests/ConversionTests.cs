using Microsoft.Extensions.AI;
using MitiAgent.Protocol;

namespace MitiAgent.AI.Tests;

/// <summary>The conversions on their own, without a client.</summary>
public sealed class ConversionTests
{
    [Fact]
    public void History_messages_map_roles_text_ids_and_authors()
    {
        var user = new HistoryMessage { MessageId = "m1", Role = WireNames.Roles.User, SenderId = "u_1", MsgType = WireNames.MsgTypes.AtText, Content = "@AiBot  @Other hello", CreateTime = 1_750_240_805_000 };
        var assistant = new HistoryMessage { MessageId = "m2", Role = WireNames.Roles.Assistant, SenderId = "cli_ai", MsgType = "stream_full", Content = "Hi!" };

        ChatMessage u = user.ToChatMessage();
        ChatMessage a = assistant.ToChatMessage();

        Assert.Equal(ChatRole.User, u.Role);
        Assert.Equal("hello", u.Text);
        Assert.Equal("m1", u.MessageId);
        Assert.Equal("u_1", u.AuthorName);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_750_240_805_000), u.CreatedAt);
        Assert.Equal(ChatRole.Assistant, a.Role);
        Assert.Equal("Hi!", a.Text);
        Assert.Null(a.AuthorName);
    }

    [Fact]
    public void Images_map_to_uri_or_data_contents_with_a_media_type()
    {
        var png = Assert.IsType<UriContent>(new ImageItem { Url = "https://x.test/a.webp?size=2" }.ToAIContent());
        Assert.Equal("image/webp", png.MediaType);
        Assert.Equal(MitiChatConversions.UnknownImageMediaType, Assert.IsType<UriContent>(new ImageItem { Url = "https://x.test/img/42" }.ToAIContent()).MediaType);
        Assert.Equal("image/heic", Assert.IsType<UriContent>(new ImageItem { Url = "https://x.test/img/42", MimeType = "image/heic" }.ToAIContent()).MediaType);
        var data = Assert.IsType<DataContent>(new ImageItem { Url = "data:image/png;base64,iVBORw0KGgo=" }.ToAIContent());
        Assert.Equal("image/png", data.MediaType);
        Assert.Throws<ArgumentException>(() => new ImageItem { Url = "relative/a.png" }.ToAIContent());
    }
}
