using System.Text.Json;
using MitiAgent.Events;
using MitiAgent.Protocol;

namespace MitiAgent.Tests;

public class EventParsingTests
{
    [Fact]
    public void Direct_message_of_the_spec_example()
    {
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage);
        Assert.IsNotType<GroupAtEvent>(ev);
        Assert.Equal("evt-8f2c", ev.EventId);
        Assert.Equal("im.message.receive", ev.EventType);
        Assert.Equal("cli_a1b2c3", ev.Header.AppId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1750240805000), ev.CreateTime);
        Assert.Equal("u_abc123", ev.Sender.UserId);
        Assert.Equal("Alice", ev.Sender.Name);
        Assert.Equal("msg-77aa", ev.Message.MessageId);
        Assert.Equal("conv-u_abc123", ev.Message.ConversationId);
        Assert.Equal("text", ev.Message.MsgType);
        Assert.Equal("hello", ev.Text);
        Assert.Equal("hello", ev.Message.Content.GetProperty("text").GetString());
        Assert.Empty(ev.Message.Images);
        Assert.Equal("run-5d1e", ev.RunId);
        Assert.Equal("msg-77ab", ev.AssistantMsgId);
        Assert.Equal(MessageTarget.User("u_abc123"), ev.ReplyTarget);
        Assert.Equal("MessageEvent { EventType = im.message.receive, EventId = evt-8f2c }", ev.ToString());
        Assert.DoesNotContain("hello", ev.Message.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Group_at_event()
    {
        GroupAtEvent ev = Frames.Event<GroupAtEvent>(Frames.GroupAt);
        Assert.Equal("sg_xyz789", ev.GroupId);
        Assert.Equal("@Bot  what is up?", ev.Text);
        Assert.Equal("what is up?", ev.TextWithoutMentions);
        Assert.Equal(["u_bot"], ev.Message.MentionedUserIds);
        Assert.Equal(MessageTarget.Group("sg_xyz789"), ev.ReplyTarget);
    }

    [Fact]
    public void Cancel_event()
    {
        CancelEvent ev = Frames.Event<CancelEvent>(Frames.Cancel);
        Assert.Equal("evt-c1", ev.EventId);
        Assert.Equal("assistant.cancel", ev.EventType);
        Assert.Equal("run-5d1e", ev.RunId);
        Assert.Equal("conv-u_abc123", ev.ConversationId);
        Assert.Equal("u_abc123", ev.Sender?.UserId);
    }

    [Theory]
    [InlineData("@Bot question", "question")]
    [InlineData("@Bot @Other  question here ", "question here ")]
    [InlineData("  @Bot\u2005question", "question")]
    [InlineData("@Bot", "")]
    [InlineData("question @Bot", "question @Bot")]
    [InlineData("", "")]
    public void Leading_mentions_are_stripped(string text, string expected)
    {
        Assert.Equal(expected, GroupAtEvent.StripLeadingMentions(text));
    }

    [Fact]
    public void Image_and_multimodal_content()
    {
        MessageEvent image = Frames.Event<MessageEvent>(Frames.WithMessage(
            """{"message_id": "m1", "conversation_id": "conv-1", "msg_type": "image", "content": {"images": [{"url": "https://cdn/x.png", "mime_type": "image/png"}, {"url": "https://cdn/y.jpg"}]}}"""));
        Assert.Null(image.Text);
        Assert.Equal(2, image.Message.Images.Count);
        Assert.Equal("https://cdn/x.png", image.Message.Images[0].Url);
        Assert.Equal("image/png", image.Message.Images[0].MimeType);
        Assert.Null(image.Message.Images[1].MimeType);

        MessageEvent multimodal = Frames.Event<MessageEvent>(Frames.WithMessage(
            """{"message_id": "m2", "conversation_id": "conv-1", "msg_type": "multimodal", "content": {"text": "look", "images": [{"url": "https://cdn/z.png"}]}}"""));
        Assert.Equal("look", multimodal.Text);
        Assert.Single(multimodal.Message.Images);
    }

    [Fact]
    public void Unknown_msg_types_pass_through_intact()
    {
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.WithMessage(
            """{"message_id": "m3", "conversation_id": "conv-1", "msg_type": "card", "content": {"title": "T", "nested": {"a": [1, 2]}}}"""));
        Assert.Equal("card", ev.Message.MsgType);
        Assert.Null(ev.Text);
        Assert.Empty(ev.Message.Images);
        Assert.Equal(2, ev.Message.Content.GetProperty("nested").GetProperty("a").GetArrayLength());
    }

    [Fact]
    public void Unknown_members_are_ignored()
    {
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.WithMessage(
            """{"message_id": "m4", "conversation_id": "conv-1", "msg_type": "text", "content": {"text": "hi", "future": true}, "future_member": 1}""",
            extra: """, "something_new": {"x": 1}"""));
        Assert.Equal("hi", ev.Text);
    }

    [Fact]
    public void Unknown_event_type_keeps_id_and_type_for_ack_and_log()
    {
        EventParseResult result = Frames.ParseResult("""{"type": "event", "header": {"event_id": "evt-u", "event_type": "im.reaction.added"}, "event": {}}""");
        Assert.Equal(EventParseStatus.UnknownType, result.Status);
        Assert.Null(result.Event);
        Assert.Equal("evt-u", result.EventId);
        Assert.Equal("im.reaction.added", result.EventType);
    }

    public static TheoryData<string, string?, string> MalformedFrames() => new()
    {
        { """{"type": "event"}""", null, "missing header" },
        { """{"type": "event", "header": {"event_type": "im.message.receive"}, "event": {}}""", null, "missing header.event_id" },
        { """{"type": "event", "header": {"event_id": " ", "event_type": "im.message.receive"}, "event": {}}""", null, "missing header.event_id" },
        { """{"type": "event", "header": {"event_id": "e1"}, "event": {}}""", "e1", "missing header.event_type" },
        { """{"type": "event", "header": {"event_id": "e1", "event_type": "im.message.receive"}}""", "e1", "missing event" },
        { """{"type": "event", "header": {"event_id": "e1", "event_type": "im.message.receive"}, "event": {"sender": {"user_id": "u"}}}""", "e1", "message event without message" },
        { """{"type": "event", "header": {"event_id": "e1", "event_type": "im.message.receive"}, "event": {"message": {"message_id": "m", "msg_type": "text", "content": {"text": "x"}}}}""", "e1", "missing sender" },
        { """{"type": "event", "header": {"event_id": "e1", "event_type": "im.message.receive"}, "event": {"sender": {"name": "n"}, "message": {"message_id": "m", "msg_type": "text", "content": {"text": "x"}}}}""", "e1", "missing sender.user_id" },
        { """{"type": "event", "header": {"event_id": "e1", "event_type": "im.message.group_at"}, "event": {"sender": {"user_id": "u"}, "message": {"message_id": "m", "msg_type": "text", "content": {"text": "x"}}}}""", "e1", "group_at event without group_id" },
        { """{"type": "event", "header": {"event_id": "e1", "event_type": "assistant.cancel"}, "event": {"conversation_id": "c"}}""", "e1", "assistant.cancel event without run_id" },
        { Frames.WithMessage("""{"msg_type": "text", "content": {"text": "x"}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "missing message.message_id" },
        { Frames.WithMessage("""{"message_id": "m", "content": {"text": "x"}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "missing message.msg_type" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "text", "content": "x"}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "message.content is not a JSON object" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "text"}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "message.content is not a JSON object" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "text", "content": {}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "text message without content.text" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "text", "content": {"text": 5}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "message.content does not fit msg_type text" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "at_text", "content": {"atUserList": []}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "at_text message without content.text" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "image", "content": {"images": []}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "image message without content.images" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "image", "content": {"images": "x"}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "message.content does not fit msg_type image" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "image", "content": {"images": [{"mime_type": "image/png"}]}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "an image without url" },
        { Frames.WithMessage("""{"message_id": "m", "msg_type": "text", "content": {"text": "x"}}""").Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "missing message.conversation_id" },
        { Frames.WithMessage("""{"message_id": "m", "conversation_id": " ", "msg_type": "text", "content": {"text": "x"}}""", "im.message.group_at", """, "group_id": "sg_1" """).Replace("evt-x", "e1", StringComparison.Ordinal), "e1", "missing message.conversation_id" },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public void Frames_that_do_not_fit_are_rejected_with_a_reason(string json, string? eventId, string reason)
    {
        EventParseResult result = Frames.ParseResult(json);
        Assert.Equal(EventParseStatus.Malformed, result.Status);
        Assert.Null(result.Event);
        Assert.Equal(eventId, result.EventId);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void Content_element_outlives_the_frame_bytes()
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(Frames.DirectMessage);
        EventFrame frame = JsonSerializer.Deserialize(bytes, MitiJsonContext.Default.EventFrame)!;
        Array.Clear(bytes);
        MessageEvent ev = Assert.IsType<MessageEvent>(AgentEvent.FromFrame(frame).Event);
        Assert.Equal("hello", ev.Message.Content.GetProperty("text").GetString());
    }

    /// <summary>
    /// Issue 15: text and mentions are read from the content's bytes, not from a parsed element; they are what the
    /// element lookup gives (the last of duplicate members, escaped names, null, wrong kinds, nested values), and
    /// <see cref="EventMessage.Content"/> is still the content exactly as received.
    /// </summary>
    [Theory]
    [InlineData("text", """{"text":"hi"}""")]
    [InlineData("text", """{"text":1,"text":"last wins"}""")]
    [InlineData("text", """{"text":"first","text":{"a":[1]}}""")]
    [InlineData("text", """{"te\u0078t":"escaped name","other":{"text":"nested"}}""")]
    [InlineData("text", """{"text":null}""")]
    [InlineData("text", """{"text":"a\u00e9\n\"b"  ,  "x" : [ {"text":"no"} ] }""")]
    [InlineData("text", """{}""")]
    [InlineData("at_text", """{"text":"@b hi","atUserList":["u1","",null,"u2"]}""")]
    [InlineData("at_text", """{"text":"@b hi","atUserList":["u1",[2]]}""")]
    [InlineData("at_text", """{"text":"@b hi","atUserList":["u1",{"a":1}],"atUserList":["u3"]}""")]
    [InlineData("at_text", """{"text":"@b hi","atUserList":["u3"],"atUserList":"u4"}""")]
    [InlineData("at_text", """{"atUserList":null,"text":"hi"}""")]
    [InlineData("at_text", """{"text":"hi","atUserList":{"0":"u"}}""")]
    public void Text_and_mentions_read_from_the_content_bytes_are_what_the_element_gives(string msgType, string content)
    {
        EventParseResult result = Frames.ParseResult(Frames.WithMessage($$"""{"message_id":"m1","conversation_id":"c1","msg_type":"{{msgType}}","content":{{content}}}"""));

        // The reference: the lookup the SDK did on the parsed element before issue 15.
        using JsonDocument document = JsonDocument.Parse(content);
        JsonElement element = document.RootElement;
        bool textFits = !element.TryGetProperty("text", out JsonElement text) || text.ValueKind is JsonValueKind.String or JsonValueKind.Null;
        string? expectedText = textFits && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
        bool idsFit = true;
        List<string> expectedIds = [];
        if (msgType == "at_text" && element.TryGetProperty("atUserList", out JsonElement ids) && ids.ValueKind != JsonValueKind.Null)
        {
            idsFit = ids.ValueKind == JsonValueKind.Array && ids.EnumerateArray().All(i => i.ValueKind is JsonValueKind.String or JsonValueKind.Null);
            expectedIds = idsFit ? [.. ids.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String && i.GetString()!.Length > 0).Select(i => i.GetString()!)] : [];
        }

        if (!textFits || !idsFit)
        {
            Assert.Equal(EventParseStatus.Malformed, result.Status);
            Assert.Equal("message.content does not fit msg_type " + msgType, result.Reason);
        }
        else if (expectedText is null)
        {
            Assert.Equal(EventParseStatus.Malformed, result.Status);
            Assert.Equal(msgType + " message without content.text", result.Reason);
        }
        else
        {
            MessageEvent ev = Assert.IsType<MessageEvent>(result.Event);
            Assert.Equal(expectedText, ev.Text);
            Assert.Equal(expectedIds, ev.Message.MentionedUserIds);
            Assert.Equal(content, ev.Message.Content.GetRawText());
            Assert.Equal(content, ev.Message.Content.GetRawText()); // parsed once, then kept
        }
    }

    /// <summary>Issue 15: the content is kept as its own bytes, so it outlives the socket's reused frame buffer.</summary>
    [Fact]
    public void Content_read_from_a_frame_buffer_outlives_the_buffer()
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(Frames.GroupAt);
        GroupAtEvent ev = Assert.IsType<GroupAtEvent>(AgentEvent.FromUtf8Json(bytes).Event);
        Array.Fill(bytes, (byte)' ');
        Assert.Equal("@Bot  what is up?", ev.Message.Content.GetProperty("text").GetString());
        Assert.Equal("""{"text": "@Bot  what is up?", "atUserList": ["u_bot"]}""", ev.Message.Content.GetRawText());
        Assert.Equal(["u_bot"], ev.Message.MentionedUserIds);
    }

    /// <summary>Issue 15: the header record is made when read, with the header's values, once per event.</summary>
    [Fact]
    public void Header_is_made_on_first_read_and_kept()
    {
        MessageEvent ev = Frames.Event<MessageEvent>(Frames.DirectMessage);
        EventHeader header = ev.Header;
        Assert.Equal(new EventHeader { EventId = "evt-8f2c", EventType = "im.message.receive", CreateTime = 1750240805000, AppId = "cli_a1b2c3" }, header);
        Assert.Same(header, ev.Header);
    }
    /// <summary>
    /// Invalid UTF-8 inside a string (the reader does not validate string contents; GetString throws
    /// InvalidOperationException): the event is malformed with its id, so it is acked and skipped, never redelivered
    /// in a loop.
    /// </summary>
    [Theory]
    [InlineData("hello")]
    [InlineData("u_abc123")]
    [InlineData("Alice")]
    public void A_string_that_is_not_valid_utf8_makes_the_event_malformed_not_a_crash(string value)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(Frames.DirectMessage);
        byte[] needle = System.Text.Encoding.UTF8.GetBytes("\"" + value + "\"");
        int at = bytes.AsSpan().IndexOf(needle);
        Assert.True(at >= 0);
        bytes[at + 1] = 0xC3; // a lead byte followed by '(' / a letter: not UTF-8
        bytes[at + 2] = 0x28;

        EventParseResult result = AgentEvent.FromUtf8Json(bytes);

        Assert.Equal(EventParseStatus.Malformed, result.Status);
        Assert.Equal("evt-8f2c", result.EventId);
    }
}
