using System.Text.Json;
using System.Text.Json.Nodes;

namespace MitiAgent.Protocol.Tests;

/// <summary>
/// <see cref="WireNames"/>: paths, stream states and the constants the spec fixes; and the exact member names written for
/// each wire type (snake_case, plus camelCase <c>atUserList</c>).
/// </summary>
public class WireNamesTests
{
    [Theory]
    [InlineData("conv-u_abc123", "/agent/v1/conversations/conv-u_abc123/messages")]
    [InlineData("a.b~c_d-e", "/agent/v1/conversations/a.b~c_d-e/messages")]
    [InlineData("conv/../x", "/agent/v1/conversations/conv%2F..%2Fx/messages")]
    [InlineData("a b?c#d&e=f", "/agent/v1/conversations/a%20b%3Fc%23d%26e%3Df/messages")]
    [InlineData("100%", "/agent/v1/conversations/100%25/messages")]
    [InlineData("a+b", "/agent/v1/conversations/a%2Bb/messages")]
    [InlineData("会话", "/agent/v1/conversations/%E4%BC%9A%E8%AF%9D/messages")]
    public void History_path_escapes_the_conversation_id(string conversationId, string expected)
    {
        Assert.Equal(expected, WireNames.Paths.History(conversationId));
    }

    [Theory]
    [InlineData("conv-u_abc123")]
    [InlineData("conv/1 ?#")]
    public void History_path_agrees_with_history_format(string conversationId)
    {
        Assert.Equal(
            string.Format(System.Globalization.CultureInfo.InvariantCulture, WireNames.Paths.HistoryFormat, Uri.EscapeDataString(conversationId)),
            WireNames.Paths.History(conversationId));
    }

    [Theory]
    [InlineData("conv-u_abc123")]
    [InlineData("a.b~c_d-e")]
    public void History_route_matches_history_path(string conversationId)
    {
        Assert.Equal(WireNames.Paths.History(conversationId), WireNames.Paths.HistoryRoute.Replace("{conversationId}", conversationId, StringComparison.Ordinal));
    }

    [Fact]
    public void History_path_stays_one_segment()
    {
        string path = WireNames.Paths.History("../../auth/token");
        var uri = new Uri(new Uri("https://www.miti.chat"), "/chat" + path);

        Assert.Equal("/chat/agent/v1/conversations/..%2F..%2Fauth%2Ftoken/messages", uri.AbsolutePath);
    }

    [Theory]
    [InlineData("completed", true)]
    [InlineData("failed", true)]
    [InlineData("delta", false)]
    [InlineData("Completed", false)]
    [InlineData("FAILED", false)]
    [InlineData("", false)]
    [InlineData("cancelled", false)]
    [InlineData(null, false)]
    public void Stream_state_is_terminal(string? state, bool expected)
    {
        Assert.Equal(expected, WireNames.StreamStates.IsTerminal(state));
    }

    [Theory]
    [InlineData("Paths.Token", WireNames.Paths.Token, "/agent/v1/auth/token")]
    [InlineData("Paths.Gateway", WireNames.Paths.Gateway, "/agent/gateway")]
    [InlineData("Paths.SendMessage", WireNames.Paths.SendMessage, "/agent/v1/messages/send")]
    [InlineData("DefaultBaseUrl", WireNames.DefaultBaseUrl, "https://www.miti.chat/chat")]
    [InlineData("BaseUrlEnvironmentVariable", WireNames.BaseUrlEnvironmentVariable, "MITI_API_BASE_URL")]
    [InlineData("EventTypes.MessageReceive", WireNames.EventTypes.MessageReceive, "im.message.receive")]
    [InlineData("EventTypes.GroupAt", WireNames.EventTypes.GroupAt, "im.message.group_at")]
    [InlineData("EventTypes.AssistantCancel", WireNames.EventTypes.AssistantCancel, "assistant.cancel")]
    [InlineData("MsgTypes.Text", WireNames.MsgTypes.Text, "text")]
    [InlineData("MsgTypes.AtText", WireNames.MsgTypes.AtText, "at_text")]
    [InlineData("MsgTypes.Image", WireNames.MsgTypes.Image, "image")]
    [InlineData("MsgTypes.Multimodal", WireNames.MsgTypes.Multimodal, "multimodal")]
    [InlineData("MsgTypes.StreamFull", WireNames.MsgTypes.StreamFull, "stream_full")]
    [InlineData("StreamStates.Delta", WireNames.StreamStates.Delta, "delta")]
    [InlineData("StreamStates.Completed", WireNames.StreamStates.Completed, "completed")]
    [InlineData("StreamStates.Failed", WireNames.StreamStates.Failed, "failed")]
    [InlineData("Roles.User", WireNames.Roles.User, "user")]
    [InlineData("Roles.Assistant", WireNames.Roles.Assistant, "assistant")]
    public void String_constants_match_spec(string name, string actual, string spec)
    {
        Assert.True(spec == actual, $"{name} is {actual}, the spec says {spec}");
    }

    [Theory]
    [InlineData("Codes.Ok", WireNames.Codes.Ok, 0)]
    [InlineData("Codes.InvalidCredentials", WireNames.Codes.InvalidCredentials, 10001)]
    [InlineData("Codes.InvalidToken", WireNames.Codes.InvalidToken, 10002)]
    [InlineData("Codes.InvalidParameter", WireNames.Codes.InvalidParameter, 10003)]
    [InlineData("Codes.AppDisabled", WireNames.Codes.AppDisabled, 10004)]
    [InlineData("Codes.NoPermission", WireNames.Codes.NoPermission, 10012)]
    [InlineData("Codes.NotFound", WireNames.Codes.NotFound, 10013)]
    [InlineData("Codes.RateLimited", WireNames.Codes.RateLimited, 10029)]
    [InlineData("Codes.InternalError", WireNames.Codes.InternalError, 50000)]
    [InlineData("CloseCodes.Normal", WireNames.CloseCodes.Normal, 1000)]
    [InlineData("CloseCodes.GoingAway", WireNames.CloseCodes.GoingAway, 1001)]
    [InlineData("CloseCodes.TokenRevoked", WireNames.CloseCodes.TokenRevoked, 4001)]
    [InlineData("CloseCodes.AppDisabled", WireNames.CloseCodes.AppDisabled, 4003)]
    [InlineData("CloseCodes.MalformedFrame", WireNames.CloseCodes.MalformedFrame, 4400)]
    [InlineData("CloseCodes.TooManyConnections", WireNames.CloseCodes.TooManyConnections, 4429)]
    [InlineData("Defaults.PingIntervalMs", WireNames.Defaults.PingIntervalMs, 30000)]
    [InlineData("Defaults.AckTimeoutMs", WireNames.Defaults.AckTimeoutMs, 5000)]
    [InlineData("Defaults.MaxConnectionsPerApp", WireNames.Defaults.MaxConnectionsPerApp, 50)]
    [InlineData("Defaults.MaxTextLength", WireNames.Defaults.MaxTextLength, 20000)]
    [InlineData("Defaults.HistoryDefaultLimit", WireNames.Defaults.HistoryDefaultLimit, 20)]
    [InlineData("Defaults.HistoryMinLimit", WireNames.Defaults.HistoryMinLimit, 1)]
    [InlineData("Defaults.HistoryMaxLimit", WireNames.Defaults.HistoryMaxLimit, 100)]
    [InlineData("Defaults.TerminalFrameAttempts", WireNames.Defaults.TerminalFrameAttempts, 5)]
    [InlineData("Defaults.DeltaCoalesceMs", WireNames.Defaults.DeltaCoalesceMs, 50)]
    public void Numeric_constants_match_spec(string name, int actual, int spec)
    {
        Assert.True(spec == actual, $"{name} is {actual}, the spec says {spec}");
    }

    // ------------------------------------------------------------ member names written for each wire type

    private static MitiJsonContext Ctx => Wire.Context;

    private static JsonElement TextElement(string text) =>
        JsonSerializer.SerializeToElement(new TextContent { Text = text }, Ctx.TextContent);

    [Fact]
    public void TokenRequest_members()
    {
        JsonObject obj = Wire.WriteObject(new TokenRequest { AppId = "cli_a1b2c3", AppSecret = "s" }, Ctx.TokenRequest);

        Wire.AssertMembers(obj, "app_id", "app_secret");
    }

    [Fact]
    public void TokenResponse_members()
    {
        var response = new ApiResponse<TokenData> { Code = 0, Msg = "ok", Data = new TokenData { AccessToken = "t", ExpiresIn = 7200 } };

        JsonObject obj = Wire.WriteObject(response, Ctx.ApiResponseTokenData);

        Wire.AssertMembers(obj, "code", "msg", "data");
        Wire.AssertMembers(Assert.IsType<JsonObject>(obj["data"]), "access_token", "expires_in");
        Assert.Equal(7200, obj["data"]!["expires_in"]!.GetValue<int>());
    }

    [Fact]
    public void Envelope_omits_null_msg_and_data()
    {
        JsonObject obj = Wire.WriteObject(new ApiResponse<SendMessageData> { Code = 10012 }, Ctx.ApiResponseSendMessageData);

        Wire.AssertMembers(obj, "code");
    }

    [Fact]
    public void Send_request_members()
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
    public void Send_response_members()
    {
        JsonObject obj = Wire.WriteObject(new SendMessageData { MessageId = "m", CreateTime = 1 }, Ctx.SendMessageData);

        Wire.AssertMembers(obj, "message_id", "create_time");
    }

    [Fact]
    public void History_members()
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
    public void Hello_members()
    {
        JsonObject obj = Wire.WriteObject(new HelloFrame { ConnId = "c", PingIntervalMs = 1, AckTimeoutMs = 2 }, Ctx.HelloFrame);

        Wire.AssertMembers(obj, "type", "conn_id", "ping_interval_ms", "ack_timeout_ms");
        Assert.Equal(1, obj["ping_interval_ms"]!.GetValue<int>());
        Assert.Equal(2, obj["ack_timeout_ms"]!.GetValue<int>());
    }

    [Fact]
    public void Event_members()
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
    public void Ack_members()
    {
        Wire.AssertMembers(Wire.WriteObject(new AckFrame { EventId = "e" }, Ctx.AckFrame), "type", "event_id");
        Wire.AssertMembers(
            Wire.WriteObject(new AckFrame { EventId = "e", Code = 10003, Msg = "m" }, Ctx.AckFrame),
            "type", "event_id", "code", "msg");
    }

    [Fact]
    public void Ping_pong_reconnect_members()
    {
        Wire.AssertMembers(Wire.WriteObject(new PingFrame { Ts = 1 }, Ctx.PingFrame), "type", "ts");
        Wire.AssertMembers(Wire.WriteObject(new PongFrame { Ts = 1 }, Ctx.PongFrame), "type", "ts");
        Wire.AssertMembers(Wire.WriteObject(new ReconnectFrame { Reason = "r" }, Ctx.ReconnectFrame), "type", "reason");
    }

    [Fact]
    public void Stream_members()
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
    public void Stream_delta_omits_unset_members()
    {
        var frame = new StreamFrame { EventId = "e", RunId = "r", AssistantMsgId = "am", Seq = 1, State = WireNames.StreamStates.Delta, Delta = "Hel" };

        Wire.AssertMembers(Wire.WriteObject(frame, Ctx.StreamFrame), "type", "event_id", "run_id", "assistant_msg_id", "seq", "state", "delta");
    }

    [Fact]
    public void Content_members()
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
    public void New_frame_writes_its_type_constant(string expectedType)
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
    public void Frame_type_constants_match_spec()
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
    public void Serialized_frames_use_compact_literal_names()
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
