using System.Text.Json;
using MitiAgent.Messaging;
using MitiAgent.Protocol;

namespace MitiAgent.Tests;

public class OutgoingContentTests
{
    private static string Json(OutgoingContent content) => content.Content.GetRawText();

    [Fact]
    public void Known_types_serialise_to_the_spec_shapes()
    {
        Assert.Equal("text", OutgoingContent.Text("hi").MsgType);
        Assert.Equal("""{"text":"hi"}""", Json(OutgoingContent.Text("hi")));

        OutgoingContent markdown = OutgoingContent.Markdown("# T", "msg-77aa");
        Assert.Equal("stream_full", markdown.MsgType);
        Assert.Equal("""{"markdown":"# T","ask_msg_id":"msg-77aa","finished":true}""", Json(markdown));
        Assert.Equal("""{"markdown":"# T","finished":true}""", Json(OutgoingContent.Markdown("# T")));

        OutgoingContent at = OutgoingContent.AtText("@Alice hi", ["u_alice"]);
        Assert.Equal("at_text", at.MsgType);
        Assert.Equal("""{"text":"@Alice hi","atUserList":["u_alice"]}""", Json(at));

        OutgoingContent image = OutgoingContent.Image("https://cdn.example/a.png");
        Assert.Equal("image", image.MsgType);
        Assert.Equal("""{"images":[{"url":"https://cdn.example/a.png"}]}""", Json(image));

        OutgoingContent multimodal = OutgoingContent.Multimodal("look", [new ImageItem { Url = "https://cdn.example/a.png", MimeType = "image/png" }]);
        Assert.Equal("multimodal", multimodal.MsgType);
        Assert.Equal("""{"text":"look","images":[{"url":"https://cdn.example/a.png","mime_type":"image/png"}]}""", Json(multimodal));
        Assert.Equal("""{"images":[{"url":"https://cdn.example/a.png"}]}""", Json(OutgoingContent.Multimodal(" ", [new ImageItem { Url = "https://cdn.example/a.png" }])));
    }

    [Fact]
    public void Raw_content_passes_through_and_is_cloned()
    {
        OutgoingContent raw;
        using (JsonDocument doc = JsonDocument.Parse("""{"title":"T","n":[1,2]}"""))
        {
            raw = OutgoingContent.Raw("card", doc.RootElement);
        }

        Assert.Equal("card", raw.MsgType);
        Assert.Equal("""{"title":"T","n":[1,2]}""", Json(raw));
        Assert.Equal("OutgoingContent { MsgType = card }", raw.ToString());
    }

    [Fact]
    public void Invalid_content_is_rejected()
    {
        Assert.ThrowsAny<ArgumentException>(() => OutgoingContent.Text(""));
        Assert.ThrowsAny<ArgumentException>(() => OutgoingContent.Text(null!));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Text(new string('x', 20_001)));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Markdown(new string('x', 20_001)));
        Assert.ThrowsAny<ArgumentException>(() => OutgoingContent.Markdown("x", " "));
        Assert.Throws<ArgumentException>(() => OutgoingContent.AtText("@x hi", []));
        Assert.Throws<ArgumentException>(() => OutgoingContent.AtText("@x hi", [""]));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Image([]));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Image("not a url"));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Image([new ImageItem()]));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Multimodal(null, []));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Multimodal(new string('x', 20_001), []));
        Assert.ThrowsAny<ArgumentException>(() => OutgoingContent.Raw("", JsonDocument.Parse("{}").RootElement));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Raw("card", JsonDocument.Parse("[1]").RootElement));
    }

    [Fact]
    public void Targets()
    {
        MessageTarget user = MessageTarget.User("u_1");
        MessageTarget group = MessageTarget.Group("sg_1");
        Assert.Equal(MessageTargetKind.User, user.Kind);
        Assert.Equal("u_1", user.Id);
        Assert.Equal(MessageTargetKind.Group, group.Kind);
        Assert.Equal("user:u_1", user.ToString());
        Assert.Equal("group:sg_1", group.ToString());
        Assert.Equal(MessageTarget.User("u_1"), user);
        Assert.NotEqual(MessageTarget.Group("u_1"), user);
        Assert.ThrowsAny<ArgumentException>(() => MessageTarget.User(""));
        Assert.ThrowsAny<ArgumentException>(() => MessageTarget.Group(null!));
    }

    [Fact]
    public void Requests_name_exactly_one_target()
    {
        OutgoingContent content = OutgoingContent.Text("hi");
        SendMessageRequest toUser = content.ToRequest(MessageTarget.User("u_1"), null);
        Assert.Equal(
            """{"to_user_id":"u_1","msg_type":"text","content":{"text":"hi"}}""",
            JsonSerializer.Serialize(toUser, MitiJsonContext.Default.SendMessageRequest));
        SendMessageRequest toGroup = content.ToRequest(MessageTarget.Group("sg_1"), "msg-1");
        Assert.Null(toGroup.ToUserId);
        Assert.Equal("sg_1", toGroup.ToGroupId);
        Assert.Equal("msg-1", toGroup.ReplyToMessageId);
        SendMessageValidation.Validate(toUser);
        SendMessageValidation.Validate(toGroup);
        Assert.ThrowsAny<ArgumentException>(() => content.ToRequest(MessageTarget.User("u"), ""));
        Assert.Throws<ArgumentNullException>(() => content.ToRequest(null!, null));
    }
}
