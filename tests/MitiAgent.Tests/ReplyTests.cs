using System.Text.Json;
using MitiAgent.Messaging;
using MitiAgent.Protocol;

namespace MitiAgent.Tests;

public class ReplyTests
{
    private static string Json(SendMessageRequest request) =>
        JsonSerializer.Serialize(request, MitiJsonContext.Default.SendMessageRequest);

    [Fact]
    public async Task Markdown_reply_to_a_direct_message_goes_to_the_sender_as_stream_full()
    {
        var sink = new FakeSink();
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage, sink);

        SentMessage sent = await ev.ReplyAsync("**hi**");

        Assert.Equal("msg-sent-1", sent.MessageId);
        SendMessageRequest request = Assert.Single(sink.Sent);
        Assert.Equal(
            """{"to_user_id":"u_abc123","msg_type":"stream_full","content":{"markdown":"**hi**","ask_msg_id":"msg-77aa","finished":true},"reply_to_message_id":"msg-77aa"}""",
            Json(request));
    }

    [Fact]
    public async Task Plain_reply_sends_text()
    {
        var sink = new FakeSink();
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage, sink);

        await ev.ReplyAsync("系统繁忙,请稍后重试", useMarkdown: false);

        SendMessageRequest request = Assert.Single(sink.Sent);
        Assert.Equal("u_abc123", request.ToUserId);
        Assert.Null(request.ToGroupId);
        Assert.Equal("text", request.MsgType);
        Assert.Equal("msg-77aa", request.ReplyToMessageId);
        Assert.Equal("系统繁忙,请稍后重试", request.Content!.Value.GetProperty("text").GetString());
        Assert.Single(request.Content.Value.EnumerateObject());
    }

    [Fact]
    public async Task Group_reply_goes_to_the_group()
    {
        var sink = new FakeSink();
        GroupAtEvent ev = Frames.Event<GroupAtEvent>(Frames.GroupAt, sink);

        await ev.ReplyAsync("answer", useMarkdown: false);
        await ev.ReplyAsync("**answer**");

        Assert.Equal(2, sink.Sent.Count);
        Assert.All(sink.Sent, r =>
        {
            Assert.Equal("sg_xyz789", r.ToGroupId);
            Assert.Null(r.ToUserId);
            Assert.Equal("msg-g1", r.ReplyToMessageId);
        });
        Assert.Equal("msg-g1", sink.Sent[1].Content!.Value.GetProperty("ask_msg_id").GetString());
    }

    [Fact]
    public async Task Reply_with_other_content()
    {
        var sink = new FakeSink();
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage, sink);

        await ev.ReplyAsync(OutgoingContent.Image("https://cdn.example/a.png", "image/png"));

        SendMessageRequest request = Assert.Single(sink.Sent);
        Assert.Equal(
            """{"to_user_id":"u_abc123","msg_type":"image","content":{"images":[{"url":"https://cdn.example/a.png","mime_type":"image/png"}]},"reply_to_message_id":"msg-77aa"}""",
            Json(request));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_text_is_rejected_before_any_request(string text)
    {
        var sink = new FakeSink();
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage, sink);
        Assert.ThrowsAny<ArgumentException>(() => { _ = ev.ReplyAsync(text); });
        Assert.ThrowsAny<ArgumentException>(() => { _ = ev.ReplyAsync(text, useMarkdown: false); });
        Assert.Throws<ArgumentNullException>(() => { _ = ev.ReplyAsync((string)null!); });
        Assert.Empty(sink.Sent);
    }

    [Fact]
    public void Text_over_20000_characters_is_rejected_but_20000_pass()
    {
        var sink = new FakeSink();
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage, sink);
        Assert.Throws<ArgumentException>(() => { _ = ev.ReplyAsync(new string('a', 20_001)); });
        Assert.Throws<ArgumentException>(() => { _ = ev.ReplyAsync(new string('a', 20_001), useMarkdown: false); });
        Assert.Empty(sink.Sent);

        _ = ev.ReplyAsync(new string('a', 20_000));
        _ = ev.ReplyAsync(string.Concat(Enumerable.Repeat("😀", 20_000)), useMarkdown: false);
        Assert.Equal(2, sink.Sent.Count);
        Assert.Throws<ArgumentException>(() => { _ = ev.ReplyAsync(string.Concat(Enumerable.Repeat("😀", 20_001))); });
    }

    [Fact]
    public void Unbound_event_cannot_reply()
    {
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage);
        Assert.Throws<InvalidOperationException>(() => { _ = ev.ReplyAsync("x"); });
        Assert.Throws<InvalidOperationException>(ev.OpenStream);

        // The request itself can still be built and checked.
        SendMessageRequest request = ev.BuildReply("x", useMarkdown: false);
        Assert.Equal("u_abc123", request.ToUserId);
    }

    [Fact]
    public void Validation_requires_exactly_one_target()
    {
        JsonElement content = JsonSerializer.SerializeToElement(new TextContent { Text = "x" }, MitiJsonContext.Default.TextContent);
        var ok = new SendMessageRequest { ToUserId = "u", MsgType = "text", Content = content };
        SendMessageValidation.Validate(ok);

        Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { ToUserId = null }));
        Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { ToUserId = " " }));
        Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { ToGroupId = "g" }));
        Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { ReplyToMessageId = "" }));
        Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { MsgType = null }));
        Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { Content = null }));
        Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { Content = JsonSerializer.SerializeToElement("x", MitiJsonContext.Default.String) }));
        SendMessageValidation.Validate(ok with { ToUserId = null, ToGroupId = "g", ReplyToMessageId = "m" });

        JsonElement tooLong = JsonSerializer.SerializeToElement(new StreamFullContent { Markdown = new string('m', 20_001) }, MitiJsonContext.Default.StreamFullContent);
        var error = Assert.Throws<ArgumentException>(() => SendMessageValidation.Validate(ok with { MsgType = "stream_full", Content = tooLong }));
        Assert.Contains("markdown", error.Message, StringComparison.Ordinal);
    }
}
