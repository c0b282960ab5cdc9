using System.Text;

namespace MitiAgent.Protocol.Tests;

/// <summary><see cref="GatewayFrameReader"/>: reading a frame's <c>type</c> and tolerant deserialization.</summary>
public class GatewayFrameReaderTests
{
    private static MitiJsonContext Ctx => Wire.Context;

    private static bool TryReadType(string json, out string? type) =>
        GatewayFrameReader.TryReadType(Encoding.UTF8.GetBytes(json), out type);

    [Theory]
    [InlineData("""{"type":"hello","conn_id":"c","ping_interval_ms":30000}""", "hello")]
    [InlineData("""{"type": "event", "header": {"event_id": "e"}}""", "event")]
    [InlineData("""  {"type":"pong","ts":1}  """, "pong")]
    [InlineData("{\r\n\t\"type\" : \"ack\"\r\n}\r\n", "ack")]
    public void Type_first(string json, string expected)
    {
        Assert.True(TryReadType(json, out string? type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData("""{"conn_id":"c","ping_interval_ms":30000,"type":"hello"}""", "hello")]
    [InlineData("""{"header":{"type":"nested","event_id":"e"},"event":{"message":{"content":{"type":"deep"}}},"type":"event"}""", "event")]
    [InlineData("""{"list":[{"type":"x"},[{"type":"y"}],"type",1,null,true],"type":"stream"}""", "stream")]
    [InlineData("""{"error":{"code":"model_error","msg":"..."},"empty":{},"arr":[],"n":null,"b":false,"f":-1.5e3,"type":"stream"}""", "stream")]
    [InlineData("""{"typex":"no","xtype":"no","Type":"no","type":"yes"}""", "yes")]
    public void Type_last_after_nested_values(string json, string expected)
    {
        Assert.True(TryReadType(json, out string? type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData("""{"typ\u0065":"hello"}""", "hello")]
    [InlineData("""{"type":"hel\u006co"}""", "hello")]
    [InlineData("""{"type":"caf\u00e9 \"q\""}""", "café \"q\"")]
    public void Escaped_name_and_value(string json, string expected)
    {
        Assert.True(TryReadType(json, out string? type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"event_id":"e"}""")]
    [InlineData("""{"header":{"type":"hello"}}""")]
    [InlineData("""{"items":[{"type":"hello"}]}""")]
    [InlineData("""{"Type":"hello","TYPE":"hello"}""")]
    public void No_top_level_type_member_gives_true_and_null(string json)
    {
        Assert.True(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Theory]
    [InlineData("""{"type":1}""")]
    [InlineData("""{"type":null}""")]
    [InlineData("""{"type":true}""")]
    [InlineData("""{"type":{"name":"hello"}}""")]
    [InlineData("""{"type":["hello"]}""")]
    [InlineData("""{"type":{"type":"hello"},"x":1}""")]
    public void Non_string_type_gives_true_and_null(string json)
    {
        Assert.True(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("hello")]
    [InlineData("<xml/>")]
    [InlineData("{type:\"hello\"}")]
    [InlineData("{'type':'hello'}")]
    [InlineData("""{"type":"hello",}""")]
    [InlineData("""{"type" "hello"}""")]
    public void Not_JSON_gives_false(string json)
    {
        Assert.False(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Theory]
    [InlineData("""[{"type":"hello"}]""")]
    [InlineData("[]")]
    [InlineData("\"hello\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    public void Non_object_JSON_gives_false(string json)
    {
        Assert.False(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"type\":\"hello\\\"")]
    [InlineData("""{"type":"hello""")]
    [InlineData("""{"type":"hello",""")]
    [InlineData("""{"type":""")]
    [InlineData("""{"type""")]
    [InlineData("""{"type":"hello","header":{"event_id":"e"}""")]
    [InlineData("""{"header":{"event_id":"e","type":"hello"}""")]
    [InlineData("""{"list":[1,2""")]
    public void Truncated_JSON_gives_false(string json)
    {
        Assert.False(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Theory]
    [InlineData("""{"type":"hello"}x""")]
    [InlineData("""{"type":"hello"}}""")]
    [InlineData("""{"type":"hello"},""")]
    [InlineData("""{"type":"hello"}{"type":"event"}""")]
    [InlineData("""{"type":"hello"} []""")]
    [InlineData("""{"type":"hello"} 1""")]
    public void Trailing_garbage_gives_false(string json)
    {
        Assert.False(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\r\n\t")]
    public void Empty_input_gives_false(string json)
    {
        Assert.False(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Fact]
    public void Invalid_UTF8_in_type_value_gives_false_instead_of_throwing()
    {
        byte[] frame = [.. "{\"type\":\""u8, 0xFF, 0xFE, .. "\"}"u8];

        Assert.False(GatewayFrameReader.TryReadType(frame, out string? type));
        Assert.Null(type);
    }

    [Fact]
    public void Excessive_nesting_gives_false()
    {
        string json = "{\"a\":" + new string('[', 200) + new string(']', 200) + ",\"type\":\"hello\"}";

        Assert.False(TryReadType(json, out string? type));
        Assert.Null(type);
    }

    [Fact]
    public void TryDeserialize_returns_frame_for_matching_JSON()
    {
        StreamFrame? frame = GatewayFrameReader.TryDeserialize(
            """{"type":"stream","event_id":"aevt-1","seq":1,"state":"delta","delta":"Hel"}"""u8,
            Ctx.StreamFrame);

        Assert.NotNull(frame);
        Assert.Equal("aevt-1", frame.EventId);
        Assert.Equal(1, frame.Seq);
    }

    [Theory]
    [InlineData("""{"type":"stream","event_id":"aevt-1","seq":"x"}""")]
    [InlineData("""{"type":"stream","seq":"1"}""")]
    [InlineData("""{"type":"stream","seq":1.5}""")]
    [InlineData("""{"type":"stream","seq":99999999999}""")]
    [InlineData("""{"type":"stream","state":1}""")]
    [InlineData("""{"type":"stream","error":"model_error"}""")]
    [InlineData("""{"type":"stream","event_id":["aevt-1"]}""")]
    [InlineData("""[{"type":"stream"}]""")]
    [InlineData("""{"type":"stream",""")]
    [InlineData("not json")]
    [InlineData("")]
    public void TryDeserialize_returns_null_for_mismatched_JSON(string json)
    {
        Assert.Null(GatewayFrameReader.TryDeserialize(Encoding.UTF8.GetBytes(json), Ctx.StreamFrame));
    }

    [Theory]
    [InlineData("""{"type":"pong","ts":"1750240805123"}""")]
    [InlineData("""{"type":"pong","ts":true}""")]
    public void TryDeserialize_is_strict_about_numbers(string json)
    {
        Assert.Null(GatewayFrameReader.TryDeserialize(Encoding.UTF8.GetBytes(json), Ctx.PongFrame));
    }

    [Fact]
    public void TryDeserialize_of_event_with_non_object_header_returns_null()
    {
        Assert.Null(GatewayFrameReader.TryDeserialize("""{"type":"event","header":"evt-1"}"""u8, Ctx.EventFrame));
        Assert.Null(GatewayFrameReader.TryDeserialize("""{"type":"event","header":{"create_time":"yesterday"}}"""u8, Ctx.EventFrame));
    }
}
