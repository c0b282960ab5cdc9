using System.Text;
using System.Text.Json;

namespace MitiAgent.Protocol.Tests;

/// <summary>Gateway frames (spec §4, §5, §6.2) against literal JSON from the spec.</summary>
public class GatewayRoundTripTests
{
    private static MitiJsonContext Ctx => Wire.Context;

    [Fact]
    public void Hello()
    {
        const string json = """{"type": "hello", "conn_id": "conn-1", "ping_interval_ms": 30000, "ack_timeout_ms": 5000}""";

        HelloFrame hello = Wire.Read(json, Ctx.HelloFrame);

        Assert.Equal("hello", hello.Type);
        Assert.Equal("conn-1", hello.ConnId);
        Assert.Equal(30000, hello.PingIntervalMs);
        Assert.Equal(5000, hello.AckTimeoutMs);
        Wire.AssertWritesBack(hello, Ctx.HelloFrame, json);
    }

    [Fact]
    public void Hello_with_non_default_intervals()
    {
        const string json = """{"type": "hello", "conn_id": "c-9", "ping_interval_ms": 250, "ack_timeout_ms": 100}""";

        HelloFrame hello = Wire.Read(json, Ctx.HelloFrame);

        Assert.Equal(250, hello.PingIntervalMs);
        Assert.Equal(100, hello.AckTimeoutMs);
        Wire.AssertWritesBack(hello, Ctx.HelloFrame, json);
    }

    [Fact]
    public void Hello_without_intervals_uses_spec_defaults()
    {
        HelloFrame hello = Wire.Read("""{"type": "hello", "conn_id": "conn-1"}""", Ctx.HelloFrame);

        Assert.Equal(30000, hello.PingIntervalMs);
        Assert.Equal(5000, hello.AckTimeoutMs);
        Assert.Equal(WireNames.Defaults.PingIntervalMs, hello.PingIntervalMs);
        Assert.Equal(WireNames.Defaults.AckTimeoutMs, hello.AckTimeoutMs);
    }

    [Fact]
    public void Message_receive_event_section_5()
    {
        const string json = """
            {"type": "event",
             "header": {"event_id": "evt-8f2c", "event_type": "im.message.receive",
                        "create_time": 1750240805000, "app_id": "cli_a1b2c3"},
             "event": {
               "sender":  {"user_id": "u_abc123", "name": "Alice"},
               "message": {"message_id": "msg-77aa", "conversation_id": "conv-u_abc123",
                           "msg_type": "text", "content": {"text": "hello"}, "create_time": 1750240805000},
               "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab"}}
            """;

        EventFrame frame = Wire.Read(json, Ctx.EventFrame);

        Assert.Equal("event", frame.Type);
        Assert.NotNull(frame.Header);
        Assert.Equal("evt-8f2c", frame.Header.EventId);
        Assert.Equal(WireNames.EventTypes.MessageReceive, frame.Header.EventType);
        Assert.Equal(1750240805000L, frame.Header.CreateTime);
        Assert.Equal("cli_a1b2c3", frame.Header.AppId);

        EventPayload payload = Assert.IsType<EventPayload>(frame.Event);
        Assert.NotNull(payload.Sender);
        Assert.Equal("u_abc123", payload.Sender.UserId);
        Assert.Equal("Alice", payload.Sender.Name);
        Assert.NotNull(payload.Message);
        Assert.Equal("msg-77aa", payload.Message.MessageId);
        Assert.Equal("conv-u_abc123", payload.Message.ConversationId);
        Assert.Equal(WireNames.MsgTypes.Text, payload.Message.MsgType);
        Assert.Equal(1750240805000L, payload.Message.CreateTime);
        Assert.NotNull(payload.Message.Content);
        JsonElement content = payload.Message.Content.Value;
        Assert.Equal(JsonValueKind.Object, content.ValueKind);
        Assert.Equal("hello", content.GetProperty("text").GetString());
        Assert.Equal("hello", Wire.ReadContent(payload.Message.Content, Ctx.TextContent).Text);
        Assert.Equal("run-5d1e", payload.RunId);
        Assert.Equal("msg-77ab", payload.AssistantMsgId);
        Assert.Null(payload.GroupId);
        Assert.Null(payload.ConversationId);

        Wire.AssertWritesBack(frame, Ctx.EventFrame, json);
    }

    [Fact]
    public void Group_at_event_with_AtText_content()
    {
        const string json = """
            {"type": "event",
             "header": {"event_id": "evt-9a01", "event_type": "im.message.group_at",
                        "create_time": 1750240807000, "app_id": "cli_a1b2c3"},
             "event": {
               "sender":  {"user_id": "u_abc123", "name": "Alice"},
               "message": {"message_id": "msg-88aa", "conversation_id": "conv-sg_xyz789",
                           "msg_type": "at_text",
                           "content": {"text": "@Bot question", "atUserList": ["u_bot"]},
                           "create_time": 1750240807000},
               "run_id": "run-6e2f", "assistant_msg_id": "msg-88ab", "group_id": "sg_xyz789"}}
            """;

        EventFrame frame = Wire.Read(json, Ctx.EventFrame);

        Assert.Equal(WireNames.FrameTypes.Event, frame.Type);
        Assert.NotNull(frame.Header);
        Assert.Equal("evt-9a01", frame.Header.EventId);
        Assert.Equal(WireNames.EventTypes.GroupAt, frame.Header.EventType);
        Assert.Equal(1750240807000L, frame.Header.CreateTime);
        Assert.Equal("cli_a1b2c3", frame.Header.AppId);

        EventPayload payload = Assert.IsType<EventPayload>(frame.Event);
        Assert.Equal("sg_xyz789", payload.GroupId);
        Assert.Equal("run-6e2f", payload.RunId);
        Assert.Equal("msg-88ab", payload.AssistantMsgId);
        Assert.NotNull(payload.Sender);
        Assert.Equal("u_abc123", payload.Sender.UserId);
        Assert.NotNull(payload.Message);
        Assert.Equal("msg-88aa", payload.Message.MessageId);
        Assert.Equal("conv-sg_xyz789", payload.Message.ConversationId);
        Assert.Equal(WireNames.MsgTypes.AtText, payload.Message.MsgType);
        AtTextContent content = Wire.ReadContent(payload.Message.Content, Ctx.AtTextContent);
        Assert.Equal("@Bot question", content.Text);
        Assert.Equal(["u_bot"], content.AtUserList);

        Wire.AssertWritesBack(frame, Ctx.EventFrame, json);
    }

    [Fact]
    public void Assistant_cancel_event()
    {
        const string json = """
            {"type": "event",
             "header": {"event_id": "evt-c001", "event_type": "assistant.cancel",
                        "create_time": 1750240809000, "app_id": "cli_a1b2c3"},
             "event": {"run_id": "run-5d1e", "conversation_id": "conv-u_abc123",
                       "sender": {"user_id": "u_abc123", "name": "Alice"}}}
            """;

        EventFrame frame = Wire.Read(json, Ctx.EventFrame);

        Assert.NotNull(frame.Header);
        Assert.Equal("evt-c001", frame.Header.EventId);
        Assert.Equal(WireNames.EventTypes.AssistantCancel, frame.Header.EventType);
        Assert.Equal(1750240809000L, frame.Header.CreateTime);
        Assert.Equal("cli_a1b2c3", frame.Header.AppId);

        EventPayload payload = Assert.IsType<EventPayload>(frame.Event);
        Assert.Equal("run-5d1e", payload.RunId);
        Assert.Equal("conv-u_abc123", payload.ConversationId);
        Assert.NotNull(payload.Sender);
        Assert.Equal("u_abc123", payload.Sender.UserId);
        Assert.Equal("Alice", payload.Sender.Name);
        Assert.Null(payload.Message);
        Assert.Null(payload.AssistantMsgId);
        Assert.Null(payload.GroupId);

        Wire.AssertWritesBack(frame, Ctx.EventFrame, json);
    }

    [Fact]
    public void Agent_ack_carries_only_the_event_id()
    {
        const string json = """{"type": "ack", "event_id": "evt-8f2c"}""";

        AckFrame ack = Wire.Read(json, Ctx.AckFrame);

        Assert.Equal("ack", ack.Type);
        Assert.Equal("evt-8f2c", ack.EventId);
        Assert.Null(ack.Code);
        Assert.Null(ack.Msg);
        Wire.AssertWritesBack(ack, Ctx.AckFrame, json);
        Assert.Equal(json.Replace(" ", "", StringComparison.Ordinal), Wire.Write(new AckFrame { EventId = "evt-8f2c" }, Ctx.AckFrame));
    }

    [Fact]
    public void Server_ack_rejecting_with_code_and_msg()
    {
        const string json = """{"type": "ack", "event_id": "aevt-9", "code": 10003, "msg": "run cancelled"}""";

        AckFrame ack = Wire.Read(json, Ctx.AckFrame);

        Assert.Equal(WireNames.FrameTypes.Ack, ack.Type);
        Assert.Equal("aevt-9", ack.EventId);
        Assert.Equal(WireNames.Codes.InvalidParameter, ack.Code);
        Assert.Equal("run cancelled", ack.Msg);
        Wire.AssertWritesBack(ack, Ctx.AckFrame, json);
    }

    [Fact]
    public void Server_ack_accepting_with_code_zero()
    {
        const string json = """{"type": "ack", "event_id": "aevt-9", "code": 0, "msg": "ok"}""";

        AckFrame ack = Wire.Read(json, Ctx.AckFrame);

        Assert.Equal(0, ack.Code);
        Assert.Equal("ok", ack.Msg);
        // code 0 is a value, not an absent member: it must be written back.
        Assert.Contains("\"code\":0", Wire.Write(ack, Ctx.AckFrame), StringComparison.Ordinal);
        Wire.AssertWritesBack(ack, Ctx.AckFrame, json);
    }

    [Fact]
    public void Ping()
    {
        const string json = """{"type": "ping", "ts": 1750240805123}""";

        PingFrame ping = Wire.Read(json, Ctx.PingFrame);

        Assert.Equal("ping", ping.Type);
        Assert.Equal(1750240805123L, ping.Ts);
        Wire.AssertWritesBack(ping, Ctx.PingFrame, json);
    }

    [Fact]
    public void Pong()
    {
        const string json = """{"type": "pong", "ts": 1750240805123}""";

        PongFrame pong = Wire.Read(json, Ctx.PongFrame);

        Assert.Equal("pong", pong.Type);
        Assert.Equal(1750240805123L, pong.Ts);
        Wire.AssertWritesBack(pong, Ctx.PongFrame, json);
    }

    [Fact]
    public void Reconnect()
    {
        const string json = """{"type": "reconnect", "reason": "deploy"}""";

        ReconnectFrame reconnect = Wire.Read(json, Ctx.ReconnectFrame);

        Assert.Equal("reconnect", reconnect.Type);
        Assert.Equal("deploy", reconnect.Reason);
        Wire.AssertWritesBack(reconnect, Ctx.ReconnectFrame, json);
    }

    [Fact]
    public void Stream_delta_section_6_2()
    {
        const string json = """
            {"type": "stream", "event_id": "aevt-1", "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab",
             "seq": 1, "state": "delta", "delta": "Hel", "reasoning_delta": null}
            """;

        StreamFrame frame = Wire.Read(json, Ctx.StreamFrame);

        Assert.Equal("stream", frame.Type);
        Assert.Equal("aevt-1", frame.EventId);
        Assert.Equal("run-5d1e", frame.RunId);
        Assert.Equal("msg-77ab", frame.AssistantMsgId);
        Assert.Equal(1, frame.Seq);
        Assert.Equal(WireNames.StreamStates.Delta, frame.State);
        Assert.Equal("Hel", frame.Delta);
        Assert.Null(frame.ReasoningDelta);
        Assert.Null(frame.Answer);
        Assert.Null(frame.Reasoning);
        Assert.Null(frame.Error);
        Wire.AssertWritesBack(frame, Ctx.StreamFrame, json);
    }

    [Fact]
    public void Stream_delta_with_reasoning_delta()
    {
        const string json = """
            {"type": "stream", "event_id": "aevt-2", "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab",
             "seq": 2, "state": "delta", "delta": "lo", "reasoning_delta": "thinking..."}
            """;

        StreamFrame frame = Wire.Read(json, Ctx.StreamFrame);

        Assert.Equal(2, frame.Seq);
        Assert.Equal("lo", frame.Delta);
        Assert.Equal("thinking...", frame.ReasoningDelta);
        Wire.AssertWritesBack(frame, Ctx.StreamFrame, json);
    }

    [Fact]
    public void Stream_completed_section_6_2()
    {
        const string json = """
            {"type": "stream", "event_id": "aevt-9", "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab",
             "seq": 9, "state": "completed", "answer": "Hello! ...", "reasoning": "..."}
            """;

        StreamFrame frame = Wire.Read(json, Ctx.StreamFrame);

        Assert.Equal(WireNames.FrameTypes.Stream, frame.Type);
        Assert.Equal("aevt-9", frame.EventId);
        Assert.Equal("run-5d1e", frame.RunId);
        Assert.Equal("msg-77ab", frame.AssistantMsgId);
        Assert.Equal(9, frame.Seq);
        Assert.Equal(WireNames.StreamStates.Completed, frame.State);
        Assert.Equal("Hello! ...", frame.Answer);
        Assert.Equal("...", frame.Reasoning);
        Assert.Null(frame.Delta);
        Assert.Null(frame.Error);
        Wire.AssertWritesBack(frame, Ctx.StreamFrame, json);
    }

    [Fact]
    public void Stream_failed_section_6_2()
    {
        const string json = """
            {"type": "stream", "event_id": "aevt-9", "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab",
             "seq": 9, "state": "failed", "error": {"code": "model_error", "msg": "..."}}
            """;

        StreamFrame frame = Wire.Read(json, Ctx.StreamFrame);

        Assert.Equal("aevt-9", frame.EventId);
        Assert.Equal("run-5d1e", frame.RunId);
        Assert.Equal("msg-77ab", frame.AssistantMsgId);
        Assert.Equal(9, frame.Seq);
        Assert.Equal(WireNames.StreamStates.Failed, frame.State);
        Assert.NotNull(frame.Error);
        Assert.Equal("model_error", frame.Error.Code);
        Assert.Equal("...", frame.Error.Msg);
        Assert.Null(frame.Answer);
        Wire.AssertWritesBack(frame, Ctx.StreamFrame, json);
    }

    [Fact]
    public void Frames_read_through_GatewayFrameReader_from_UTF8()
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(
            """{"type": "stream", "event_id": "aevt-1", "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab", "seq": 1, "state": "delta", "delta": "Hél😀", "reasoning_delta": null}""");

        Assert.True(GatewayFrameReader.TryReadType(utf8, out string? type));
        Assert.Equal(WireNames.FrameTypes.Stream, type);
        StreamFrame? frame = GatewayFrameReader.TryDeserialize(utf8, Ctx.StreamFrame);
        Assert.NotNull(frame);
        Assert.Equal("Hél😀", frame.Delta);
        Assert.Equal(1, frame.Seq);
    }
}
