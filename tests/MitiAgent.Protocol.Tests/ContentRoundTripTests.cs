using System.Text.Json;

namespace MitiAgent.Protocol.Tests;

/// <summary>Every content shape of spec §5 and §6.1.</summary>
public class ContentRoundTripTests
{
    private static MitiJsonContext Ctx => Wire.Context;

    [Fact]
    public void Text()
    {
        const string json = """{"text": "hello"}""";

        TextContent content = Wire.Read(json, Ctx.TextContent);

        Assert.Equal("hello", content.Text);
        Wire.AssertWritesBack(content, Ctx.TextContent, json);
    }

    [Fact]
    public void AtText()
    {
        const string json = """{"text": "@Bot question", "atUserList": ["u_bot"]}""";

        AtTextContent content = Wire.Read(json, Ctx.AtTextContent);

        Assert.Equal("@Bot question", content.Text);
        Assert.NotNull(content.AtUserList);
        Assert.Equal("u_bot", Assert.Single(content.AtUserList));
        Wire.AssertWritesBack(content, Ctx.AtTextContent, json);
    }

    [Fact]
    public void AtText_with_several_mentions()
    {
        const string json = """{"text": "@Bot @Bob question", "atUserList": ["u_bot", "u_bob"]}""";

        AtTextContent content = Wire.Read(json, Ctx.AtTextContent);

        Assert.Equal(["u_bot", "u_bob"], content.AtUserList);
        Wire.AssertWritesBack(content, Ctx.AtTextContent, json);
    }

    [Fact]
    public void Image_with_url_and_mime_type()
    {
        const string json = """{"images": [{"url": "https://cdn.miti.chat/i/abc.png", "mime_type": "image/png"}]}""";

        ImageContent content = Wire.Read(json, Ctx.ImageContent);

        Assert.NotNull(content.Images);
        ImageItem image = Assert.Single(content.Images);
        Assert.Equal("https://cdn.miti.chat/i/abc.png", image.Url);
        Assert.Equal("image/png", image.MimeType);
        Wire.AssertWritesBack(content, Ctx.ImageContent, json);
    }

    [Fact]
    public void Image_with_optional_mime_type_absent()
    {
        const string json = """
            {"images": [{"url": "https://cdn.miti.chat/i/a.jpg", "mime_type": "image/jpeg"},
                        {"url": "https://cdn.miti.chat/i/b"}]}
            """;

        ImageContent content = Wire.Read(json, Ctx.ImageContent);

        Assert.NotNull(content.Images);
        Assert.Equal(2, content.Images.Count);
        Assert.Equal("image/jpeg", content.Images[0].MimeType);
        Assert.Equal("https://cdn.miti.chat/i/b", content.Images[1].Url);
        Assert.Null(content.Images[1].MimeType);
        Assert.DoesNotContain("null", Wire.Write(content, Ctx.ImageContent), StringComparison.Ordinal);
        Wire.AssertWritesBack(content, Ctx.ImageContent, json);
    }

    [Fact]
    public void Multimodal()
    {
        const string json = """
            {"text": "what is in this picture?",
             "images": [{"url": "https://cdn.miti.chat/i/abc.png", "mime_type": "image/png"}]}
            """;

        MultimodalContent content = Wire.Read(json, Ctx.MultimodalContent);

        Assert.Equal("what is in this picture?", content.Text);
        Assert.NotNull(content.Images);
        ImageItem image = Assert.Single(content.Images);
        Assert.Equal("https://cdn.miti.chat/i/abc.png", image.Url);
        Assert.Equal("image/png", image.MimeType);
        Wire.AssertWritesBack(content, Ctx.MultimodalContent, json);
    }

    [Fact]
    public void StreamFull()
    {
        const string json = """{"markdown": "...", "ask_msg_id": "msg-77aa", "finished": true}""";

        StreamFullContent content = Wire.Read(json, Ctx.StreamFullContent);

        Assert.Equal("...", content.Markdown);
        Assert.Equal("msg-77aa", content.AskMsgId);
        Assert.True(content.Finished);
        Wire.AssertWritesBack(content, Ctx.StreamFullContent, json);
    }

    [Fact]
    public void StreamFull_is_finished_by_default()
    {
        var content = new StreamFullContent { Markdown = "# Answer", AskMsgId = "msg-77aa" };

        Wire.AssertWritesBack(
            content,
            Ctx.StreamFullContent,
            """{"markdown": "# Answer", "ask_msg_id": "msg-77aa", "finished": true}""");
    }

    [Theory]
    [InlineData("text", """{"text": "hello"}""")]
    [InlineData("at_text", """{"text": "@Bot question", "atUserList": ["u_bot"]}""")]
    [InlineData("image", """{"images": [{"url": "https://cdn.miti.chat/i/abc.png", "mime_type": "image/png"}]}""")]
    [InlineData("multimodal", """{"text": "look", "images": [{"url": "https://cdn.miti.chat/i/abc.png"}]}""")]
    [InlineData("stream_full", """{"markdown": "**hi**", "ask_msg_id": "msg-77aa", "finished": true}""")]
    public void Each_content_shape_round_trips_inside_an_event_message(string msgType, string contentJson)
    {
        string json = $$$"""
            {"type": "event",
             "header": {"event_id": "evt-1", "event_type": "im.message.receive", "create_time": 1, "app_id": "cli_a1b2c3"},
             "event": {"sender": {"user_id": "u_abc123", "name": "Alice"},
                       "message": {"message_id": "msg-1", "conversation_id": "conv-u_abc123",
                                   "msg_type": "{{{msgType}}}", "content": {{{contentJson}}}, "create_time": 1},
                       "run_id": "run-1", "assistant_msg_id": "msg-2"}}
            """;

        EventFrame frame = Wire.Read(json, Ctx.EventFrame);

        Assert.NotNull(frame.Event?.Message);
        Assert.Equal(msgType, frame.Event.Message.MsgType);
        Assert.NotNull(frame.Event.Message.Content);
        Wire.AssertEquivalent(contentJson, frame.Event.Message.Content.Value.GetRawText());
        string typedBack = msgType switch
        {
            WireNames.MsgTypes.Text => Wire.Write(Wire.ReadContent(frame.Event.Message.Content, Ctx.TextContent), Ctx.TextContent),
            WireNames.MsgTypes.AtText => Wire.Write(Wire.ReadContent(frame.Event.Message.Content, Ctx.AtTextContent), Ctx.AtTextContent),
            WireNames.MsgTypes.Image => Wire.Write(Wire.ReadContent(frame.Event.Message.Content, Ctx.ImageContent), Ctx.ImageContent),
            WireNames.MsgTypes.Multimodal => Wire.Write(Wire.ReadContent(frame.Event.Message.Content, Ctx.MultimodalContent), Ctx.MultimodalContent),
            WireNames.MsgTypes.StreamFull => Wire.Write(Wire.ReadContent(frame.Event.Message.Content, Ctx.StreamFullContent), Ctx.StreamFullContent),
            _ => throw new ArgumentOutOfRangeException(nameof(msgType), msgType, null),
        };
        Wire.AssertEquivalent(contentJson, typedBack);
        Wire.AssertWritesBack(frame, Ctx.EventFrame, json);
    }

    [Fact]
    public void Typed_content_embeds_as_object_in_send_request()
    {
        var content = new MultimodalContent
        {
            Text = "see",
            Images = [new ImageItem { Url = "https://cdn.miti.chat/i/abc.png", MimeType = "image/png" }],
        };
        var request = new SendMessageRequest
        {
            ToGroupId = "sg_xyz789",
            MsgType = WireNames.MsgTypes.Multimodal,
            Content = JsonSerializer.SerializeToElement(content, Ctx.MultimodalContent),
        };

        Wire.AssertWritesBack(
            request,
            Ctx.SendMessageRequest,
            """
            {"to_group_id": "sg_xyz789", "msg_type": "multimodal",
             "content": {"text": "see", "images": [{"url": "https://cdn.miti.chat/i/abc.png", "mime_type": "image/png"}]}}
            """);
    }
}
