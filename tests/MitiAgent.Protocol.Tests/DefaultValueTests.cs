namespace MitiAgent.Protocol.Tests;

/// <summary>
/// Members absent from the JSON keep the defaults the wire types declare (spec §4.1 hello defaults,
/// <c>finished: true</c>, an empty message list, each frame's <c>type</c>).
/// </summary>
public class DefaultValueTests
{
    private static MitiJsonContext Ctx => Wire.Context;

    [Fact]
    public void Hello_without_any_optional_member()
    {
        HelloFrame hello = Wire.Read("""{"type":"hello"}""", Ctx.HelloFrame);

        Assert.Null(hello.ConnId);
        Assert.Equal(30000, hello.PingIntervalMs);
        Assert.Equal(5000, hello.AckTimeoutMs);
    }

    [Fact]
    public void Hello_with_only_ack_timeout_keeps_ping_default()
    {
        HelloFrame hello = Wire.Read("""{"type":"hello","conn_id":"c","ack_timeout_ms":200}""", Ctx.HelloFrame);

        Assert.Equal(30000, hello.PingIntervalMs);
        Assert.Equal(200, hello.AckTimeoutMs);
    }

    [Fact]
    public void StreamFull_without_finished_is_finished()
    {
        StreamFullContent content = Wire.Read("""{"markdown":"# A","ask_msg_id":"msg-77aa"}""", Ctx.StreamFullContent);

        Assert.True(content.Finished);
    }

    [Fact]
    public void StreamFull_with_finished_false_is_not_finished()
    {
        StreamFullContent content = Wire.Read("""{"markdown":"# A","finished":false}""", Ctx.StreamFullContent);

        Assert.False(content.Finished);
    }

    [Fact]
    public void History_without_messages_has_an_empty_list()
    {
        ApiResponse<HistoryData> response = Wire.Read("""{"code":0,"msg":"ok","data":{"has_more":false}}""", Ctx.ApiResponseHistoryData);

        Assert.NotNull(response.Data);
        Assert.NotNull(response.Data.Messages);
        Assert.Empty(response.Data.Messages);
    }

    [Fact]
    public void Frames_without_type_member_keep_their_type_constant()
    {
        Assert.Equal("hello", Wire.Read("{}", Ctx.HelloFrame).Type);
        Assert.Equal("event", Wire.Read("{}", Ctx.EventFrame).Type);
        Assert.Equal("ack", Wire.Read("""{"event_id":"e"}""", Ctx.AckFrame).Type);
        Assert.Equal("ping", Wire.Read("""{"ts":1}""", Ctx.PingFrame).Type);
        Assert.Equal("pong", Wire.Read("""{"ts":1}""", Ctx.PongFrame).Type);
        Assert.Equal("reconnect", Wire.Read("""{"reason":"deploy"}""", Ctx.ReconnectFrame).Type);
        Assert.Equal("stream", Wire.Read("""{"seq":1}""", Ctx.StreamFrame).Type);
    }
}
