using System.Text;
using MitiAgent.Events;
using MitiAgent.Internal;

namespace MitiAgent.Tests;

public class RawFrameTests
{
    private static EventParseResult Parse(string json) => AgentEvent.FromUtf8Json(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Well_formed_frames_become_events()
    {
        EventParseResult result = Parse(Frames.DirectMessage);
        Assert.Equal(EventParseStatus.Ok, result.Status);
        Assert.Equal("evt-8f2c", result.EventId);
        Assert.IsType<MessageEvent>(result.Event);
    }

    [Fact]
    public void A_frame_that_does_not_deserialize_keeps_its_id_for_the_ack()
    {
        // create_time as a string does not fit the wire type: the frame cannot be deserialized, but the id is usable.
        EventParseResult result = Parse("""
            {"type": "event", "event": {"sender": {"user_id": 5}},
             "header": {"event_id": "evt-bad", "event_type": "im.message.receive", "create_time": "yesterday"}}
            """);
        Assert.Equal(EventParseStatus.Malformed, result.Status);
        Assert.Equal("evt-bad", result.EventId);
        Assert.Equal("im.message.receive", result.EventType);
        Assert.Equal("event frame does not fit the event shape", result.Reason);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"type": "event", "header": {"event_id": "evt-1", "event_type": "x"}""")]
    [InlineData("""{"type": "event", "header": {"event_id": "evt-1"}} trailing""")]
    [InlineData("[1, 2]")]
    [InlineData("")]
    public void Invalid_json_has_no_id(string json)
    {
        EventParseResult result = Parse(json);
        Assert.Equal(EventParseStatus.Malformed, result.Status);
        Assert.Null(result.EventId);
        Assert.Equal("not a valid JSON object", result.Reason);
    }

    [Theory]
    [InlineData("""{"header": {"event_id": "e1", "event_type": "t", "x": [1, {"y": 2}]}, "z": {"a": []}}""", true, "e1", "t")]
    [InlineData("""{"a": {"header": {"event_id": "nested"}}, "header": {"event_id": 7}}""", true, null, null)]
    [InlineData("""{"header": {"event_id": " "}}""", true, null, null)]
    [InlineData("""{"header": "x"}""", true, null, null)]
    [InlineData("""{"header": {"event_id": "e1"}""", false, null, null)]
    public void Sniffer_reads_only_the_top_level_header(string json, bool wellFormed, string? id, string? type)
    {
        Assert.Equal(wellFormed, EventHeaderSniffer.TryRead(Encoding.UTF8.GetBytes(json), out string? eventId, out string? eventType));
        Assert.Equal(id, eventId);
        Assert.Equal(type, eventType);
    }
}
