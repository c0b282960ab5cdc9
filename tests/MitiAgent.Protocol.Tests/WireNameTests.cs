using System.Text.Json;
using System.Text.Json.Nodes;

namespace MitiAgent.Protocol.Tests;

/// <summary>Exact member names written for each wire type (snake_case, plus camelCase <c>atUserList</c>).</summary>
public class WireNameTests
{
    private static MitiJsonContext Ctx => Wire.Context;

    private static JsonElement TextElement(string text) =>
        JsonSerializer.SerializeToElement(new TextContent { Text = text }, Ctx.TextContent);

    [Fact]
    public void TokenRequestMembers()
    {
        JsonObject obj = Wire.WriteObject(new TokenRequest { AppId = "cli_a1b2c3", AppSecret = "s" }, Ctx.TokenRequest);

        Wire.AssertMembers(obj, "app_id", "app_secret");
    }

    [Fact]
    public void TokenResponseMembers()
    {
        var response = new ApiResponse<TokenData> { Code = 0, Msg = "ok", Data = new TokenData { AccessToken = "t", ExpiresIn = 7200 } };

        JsonObject obj = Wire.WriteObject(response, Ctx.ApiResponseTokenData);

        Wire.AssertMembers(obj, "code", "msg", "data");
        Wire.AssertMembers(Assert.IsType<JsonObject>(obj["data"]), "access_token", "expires_in");
        Assert.Equal(7200, obj["data"]!["expires_in"]!.GetValue<int>());
    }

    [Fact]
    public void EnvelopeOmitsNullMsgAndData()
    {
        JsonObject obj = Wire.WriteObject(new ApiResponse<SendMessageData> { Code = 10012 }, Ctx.ApiResponseSendMessageData);

        Wire.AssertMembers(obj, "code");
    }

    [Fact]
    public void SendRequestMembers()
    {
        var request = new SendMessageRequest
        {
            ToUserId = "u",
            ToGroupId = "g",
            MsgType = "text",
            Content = TextElement("hi"),
            ReplyToMessageId = "m",
        };

        JsonObject obj = Wire.WriteObject(request, Ctx.SendMessageRequest);

        Wire.AssertMembers(obj, "to_user_id", "to_group_id", "msg_type", "content", "reply_to_message_id");
        Assert.IsType<JsonObject>(obj["content"]);
    }

    [Fact]
    public void SendResponseMembers()
    {
        JsonObject obj = Wire.WriteObject(new SendMessageData { MessageId = "m", CreateTime = 1 }, Ctx.SendMessageData);

        Wire.AssertMembers(obj, "message_id", "create_time");
    }

    [Fact]
    public void HistoryMembers()
    {
        var data = new HistoryData
        {
            Messages = [new HistoryMessage { MessageId = "m", Role = "user", SenderId = "u", MsgType = "text", Content = "c", CreateTime = 1 }],
            HasMore = true,
        };

        JsonObject obj = Wire.WriteObject(data, Ctx.HistoryData);

        Wire.AssertMembers(obj, "messages", "has_more");
        JsonObject message = Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(obj["messages"])));
        Wire.AssertMembers(message, "message_id", "role", "sender_id", "msg_type", "content", "create_time");
    }

    [Fact]
    public void HelloMembers()
    {
        JsonObject obj = Wire.WriteObject(new HelloFrame { ConnId = "c", PingIntervalMs = 1, AckTimeoutMs = 2 }, Ctx.HelloFrame);

        Wire.AssertMembers(obj, "type", "conn_id", "ping_interval_ms", "ack_timeout_ms");
        Assert.Equal(1, obj["ping_interval_ms"]!.GetValue<int>());
        Assert.Equal(2, obj["ack_timeout_ms"]!.GetValue<int>());
    }

    [Fact]
    public void EventMembers()
    {
        var frame = new EventFrame
        {
            Header = new EventHeader { EventId = "e", EventType = "t", CreateTime = 1, AppId = "a" },
            Event = new EventPayload
            {
                Sender = new EventSender { UserId = "u", Name = "n" },
                Message = new MessageBody { MessageId = "m", ConversationId = "c", MsgType = "text", Content = TextElement("x"), CreateTime = 2 },
                RunId = "r",
                AssistantMsgId = "am",
                GroupId = "g",
                ConversationId = "c",
            },
        };

        JsonObject obj = Wire.WriteObject(frame, Ctx.EventFrame);

        Wire.AssertMembers(obj, "type", "header", "event");
        Wire.AssertMembers(Assert.IsType<JsonObject>(obj["header"]), "event_id", "event_type", "create_time", "app_id");
        JsonObject payload = Assert.IsType<JsonObject>(obj["event"]);
        Wire.AssertMembers(payload, "sender", "message", "run_id", "assistant_msg_id", "group_id", "conversation_id");
        Wire.AssertMembers(Assert.IsType<JsonObject>(payload["sender"]), "user_id", "name");
        Wire.AssertMembers(
            Assert.IsType<JsonObject>(payload["message"]),
            "message_id", "conversation_id", "msg_type", "content", "create_time");
    }

    [Fact]
    public void AckMembers()
    {
        Wire.AssertMembers(Wire.WriteObject(new AckFrame { EventId = "e" }, Ctx.AckFrame), "type", "event_id");
        Wire.AssertMembers(
            Wire.WriteObject(new AckFrame { EventId = "e", Code = 10003, Msg = "m" }, Ctx.AckFrame),
            "type", "event_id", "code", "msg");
    }

    [Fact]
    public void PingPongReconnectMembers()
    {
        Wire.AssertMembers(Wire.WriteObject(new PingFrame { Ts = 1 }, Ctx.PingFrame), "type", "ts");
        Wire.AssertMembers(Wire.WriteObject(new PongFrame { Ts = 1 }, Ctx.PongFrame), "type", "ts");
        Wire.AssertMembers(Wire.WriteObject(new ReconnectFrame { Reason = "r" }, Ctx.ReconnectFrame), "type", "reason");
    }

    [Fact]
    public void StreamMembers()
    {
        var frame = new StreamFrame
        {
            EventId = "e",
            RunId = "r",
            AssistantMsgId = "am",
            Seq = 3,
            State = "completed",
            Delta = "d",
            ReasoningDelta = "rd",
            Answer = "a",
            Reasoning = "re",
            Error = new StreamError { Code = "c", Msg = "m" },
        };

        JsonObject obj = Wire.WriteObject(frame, Ctx.StreamFrame);

        Wire.AssertMembers(
            obj,
            "type", "event_id", "run_id", "assistant_msg_id", "seq", "state", "delta", "reasoning_delta", "answer", "reasoning", "error");
        Wire.AssertMembers(Assert.IsType<JsonObject>(obj["error"]), "code", "msg");
        Assert.Equal(3, obj["seq"]!.GetValue<int>());
    }

    [Fact]
    public void StreamDeltaOmitsUnsetMembers()
    {
        var frame = new StreamFrame { EventId = "e", RunId = "r", AssistantMsgId = "am", Seq = 1, State = WireNames.StreamStates.Delta, Delta = "Hel" };

        Wire.AssertMembers(Wire.WriteObject(frame, Ctx.StreamFrame), "type", "event_id", "run_id", "assistant_msg_id", "seq", "state", "delta");
    }

    [Fact]
    public void ContentMembers()
    {
        Wire.AssertMembers(Wire.WriteObject(new TextContent { Text = "t" }, Ctx.TextContent), "text");
        Wire.AssertMembers(Wire.WriteObject(new AtTextContent { Text = "t", AtUserList = ["u"] }, Ctx.AtTextContent), "text", "atUserList");
        JsonObject image = Wire.WriteObject(new ImageContent { Images = [new ImageItem { Url = "u", MimeType = "image/png" }] }, Ctx.ImageContent);
        Wire.AssertMembers(image, "images");
        Wire.AssertMembers(Assert.IsType<JsonObject>(image["images"]![0]), "url", "mime_type");
        Wire.AssertMembers(
            Wire.WriteObject(new MultimodalContent { Text = "t", Images = [new ImageItem { Url = "u" }] }, Ctx.MultimodalContent),
            "text", "images");
        Wire.AssertMembers(
            Wire.WriteObject(new StreamFullContent { Markdown = "m", AskMsgId = "a", Finished = true }, Ctx.StreamFullContent),
            "markdown", "ask_msg_id", "finished");
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("event")]
    [InlineData("ack")]
    [InlineData("ping")]
    [InlineData("pong")]
    [InlineData("reconnect")]
    [InlineData("stream")]
    public void NewFrameWritesItsTypeConstant(string expectedType)
    {
        string json = expectedType switch
        {
            "hello" => Wire.Write(new HelloFrame(), Ctx.HelloFrame),
            "event" => Wire.Write(new EventFrame(), Ctx.EventFrame),
            "ack" => Wire.Write(new AckFrame(), Ctx.AckFrame),
            "ping" => Wire.Write(new PingFrame(), Ctx.PingFrame),
            "pong" => Wire.Write(new PongFrame(), Ctx.PongFrame),
            "reconnect" => Wire.Write(new ReconnectFrame(), Ctx.ReconnectFrame),
            "stream" => Wire.Write(new StreamFrame(), Ctx.StreamFrame),
            _ => throw new ArgumentOutOfRangeException(nameof(expectedType), expectedType, null),
        };

        Assert.StartsWith($"{{\"type\":\"{expectedType}\"", json, StringComparison.Ordinal);
        Assert.True(GatewayFrameReader.TryReadType(System.Text.Encoding.UTF8.GetBytes(json), out string? type));
        Assert.Equal(expectedType, type);
    }

    [Fact]
    public void FrameTypeConstantsMatchSpec()
    {
        Assert.Equal("hello", new HelloFrame().Type);
        Assert.Equal("event", new EventFrame().Type);
        Assert.Equal("ack", new AckFrame().Type);
        Assert.Equal("ping", new PingFrame().Type);
        Assert.Equal("pong", new PongFrame().Type);
        Assert.Equal("reconnect", new ReconnectFrame().Type);
        Assert.Equal("stream", new StreamFrame().Type);
    }

    [Fact]
    public void SerializedFramesUseCompactLiteralNames()
    {
        // A spot check of the exact text, independent of the member-set helper.
        Assert.Equal(
            """{"type":"hello","conn_id":"c","ping_interval_ms":30000,"ack_timeout_ms":5000}""",
            Wire.Write(new HelloFrame { ConnId = "c" }, Ctx.HelloFrame));
        Assert.Equal("""{"type":"ping","ts":42}""", Wire.Write(new PingFrame { Ts = 42 }, Ctx.PingFrame));
        Assert.Equal(
            """{"text":"@Bot q","atUserList":["u_bot"]}""",
            Wire.Write(new AtTextContent { Text = "@Bot q", AtUserList = ["u_bot"] }, Ctx.AtTextContent));
    }
}
