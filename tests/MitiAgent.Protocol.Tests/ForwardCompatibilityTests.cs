using System.Text;
using System.Text.Json;

namespace MitiAgent.Protocol.Tests;

/// <summary>Unknown <c>type</c>s and unknown members are ignored (spec §4, §5).</summary>
public class ForwardCompatibilityTests
{
    private static MitiJsonContext Ctx => Wire.Context;

    [Fact]
    public void Unknown_members_at_every_level_of_an_event_are_ignored()
    {
        const string json = """
            {"type": "event", "version": 2, "trace": {"id": "x", "spans": [1, 2, {"a": null}]},
             "header": {"event_id": "evt-8f2c", "event_type": "im.message.receive", "tenant": "t1",
                        "create_time": 1750240805000, "app_id": "cli_a1b2c3"},
             "event": {
               "sender":  {"user_id": "u_abc123", "name": "Alice", "avatar": "https://x/y.png"},
               "message": {"message_id": "msg-77aa", "conversation_id": "conv-u_abc123", "thread_id": "th-1",
                           "msg_type": "text", "content": {"text": "hello"}, "create_time": 1750240805000},
               "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab", "priority": "high"}}
            """;

        EventFrame frame = Wire.Read(json, Ctx.EventFrame);

        Assert.Equal("evt-8f2c", frame.Header?.EventId);
        Assert.Equal("cli_a1b2c3", frame.Header?.AppId);
        Assert.Equal("Alice", frame.Event?.Sender?.Name);
        Assert.Equal("msg-77aa", frame.Event?.Message?.MessageId);
        Assert.Equal(1750240805000L, frame.Event?.Message?.CreateTime);
        Assert.Equal("run-5d1e", frame.Event?.RunId);
        Assert.Equal("msg-77ab", frame.Event?.AssistantMsgId);
        string written = Wire.Write(frame, Ctx.EventFrame);
        Assert.DoesNotContain("version", written, StringComparison.Ordinal);
        Assert.DoesNotContain("thread_id", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_members_in_hello_ack_stream_and_envelope_are_ignored()
    {
        HelloFrame hello = Wire.Read("""{"type": "hello", "region": "eu", "conn_id": "c1", "ping_interval_ms": 1000, "features": ["x"]}""", Ctx.HelloFrame);
        Assert.Equal("c1", hello.ConnId);
        Assert.Equal(1000, hello.PingIntervalMs);
        Assert.Equal(WireNames.Defaults.AckTimeoutMs, hello.AckTimeoutMs);

        AckFrame ack = Wire.Read("""{"type": "ack", "event_id": "aevt-9", "code": 0, "latency_ms": 3}""", Ctx.AckFrame);
        Assert.Equal("aevt-9", ack.EventId);
        Assert.Equal(0, ack.Code);

        StreamFrame stream = Wire.Read("""{"type": "stream", "event_id": "aevt-1", "seq": 1, "state": "delta", "delta": "x", "tokens": 7}""", Ctx.StreamFrame);
        Assert.Equal("x", stream.Delta);

        ApiResponse<TokenData> token = Wire.Read(
            """{"code": 0, "msg": "ok", "request_id": "r-1", "data": {"access_token": "t-1", "expires_in": 60, "token_type": "Bearer"}}""",
            Ctx.ApiResponseTokenData);
        Assert.Equal("t-1", token.Data?.AccessToken);
        Assert.Equal(60, token.Data?.ExpiresIn);
    }

    [Fact]
    public void Unknown_msg_type_keeps_its_raw_content_intact()
    {
        const string content = """{"card": {"title": "T", "elements": [{"tag": "div", "text": null}, 1, 2.5, true]}, "atUserList": []}""";
        string json = $$$"""
            {"type": "event",
             "header": {"event_id": "evt-1", "event_type": "im.message.receive", "create_time": 1, "app_id": "cli_a1b2c3"},
             "event": {"message": {"message_id": "msg-1", "conversation_id": "c", "msg_type": "interactive_card",
                                   "content": {{{content}}}, "create_time": 1} } }
            """;

        EventFrame frame = Wire.Read(json, Ctx.EventFrame);

        Assert.Equal("interactive_card", frame.Event?.Message?.MsgType);
        JsonElement? raw = frame.Event?.Message?.Content;
        Assert.NotNull(raw);
        // Compare exactly, nulls included: raw content must not be altered.
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(content).RootElement, raw.Value));
        Assert.Contains("\"text\":null", Wire.Write(frame, Ctx.EventFrame), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_event_type_still_deserializes()
    {
        const string json = """
            {"type": "event",
             "header": {"event_id": "evt-2", "event_type": "im.chat.member_added", "create_time": 5, "app_id": "cli_a1b2c3"},
             "event": {"chat_id": "sg_1", "users": [{"user_id": "u_1"}]}}
            """;

        EventFrame frame = Wire.Read(json, Ctx.EventFrame);

        Assert.Equal("evt-2", frame.Header?.EventId);
        Assert.Equal("im.chat.member_added", frame.Header?.EventType);
        Assert.NotNull(frame.Event);
        Assert.Null(frame.Event.Message);
    }

    [Theory]
    [InlineData("""{"type": "presence", "user_id": "u_1", "status": "online"}""", "presence")]
    [InlineData("""{"data": {"type": "inner"}, "type": "resume"}""", "resume")]
    [InlineData("""{"type": "HELLO"}""", "HELLO")]
    [InlineData("""{"type": ""}""", "")]
    public void Unknown_frame_type_is_still_reported(string json, string expectedType)
    {
        Assert.True(GatewayFrameReader.TryReadType(Encoding.UTF8.GetBytes(json), out string? type));
        Assert.Equal(expectedType, type);
    }
}
