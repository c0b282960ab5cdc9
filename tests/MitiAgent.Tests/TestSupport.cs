using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Events;
using MitiAgent.Protocol;

namespace MitiAgent.Tests;

/// <summary>Records what events ask the client to send.</summary>
internal sealed class FakeSink : IEventReplySink
{
    public FakeSink(TimeProvider? time = null) => TimeProvider = time ?? new FakeTimeProvider();

    public TimeProvider TimeProvider { get; }

    public TimeSpan StreamDeltaInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    public List<SendMessageRequest> Sent { get; } = [];

    public List<StreamFrame> Deltas { get; } = [];

    public List<StreamFrame> Terminals { get; } = [];

    public bool Connected { get; set; } = true;

    public Task<SendMessageData> SendMessageAsync(SendMessageRequest request, CancellationToken cancellationToken)
    {
        lock (Sent)
        {
            Sent.Add(request);
        }

        return Task.FromResult(new SendMessageData { MessageId = "msg-sent-" + Sent.Count, CreateTime = 1 });
    }

    public bool TrySendStreamDelta(StreamFrame frame)
    {
        lock (Deltas)
        {
            Deltas.Add(frame);
        }

        return Connected;
    }

    public Task SendTerminalStreamFrameAsync(StreamFrame frame, CancellationToken cancellationToken)
    {
        lock (Terminals)
        {
            Terminals.Add(frame);
        }

        return Task.CompletedTask;
    }
}

internal static class Frames
{
    public const string DirectMessage = """
        {"type": "event",
         "header": {"event_id": "evt-8f2c", "event_type": "im.message.receive",
                    "create_time": 1750240805000, "app_id": "cli_a1b2c3"},
         "event": {
           "sender":  {"user_id": "u_abc123", "name": "Alice"},
           "message": {"message_id": "msg-77aa", "conversation_id": "conv-u_abc123",
                       "msg_type": "text", "content": {"text": "hello"}, "create_time": 1750240805000},
           "run_id": "run-5d1e", "assistant_msg_id": "msg-77ab"}}
        """;

    public const string GroupAt = """
        {"type": "event",
         "header": {"event_id": "evt-g1", "event_type": "im.message.group_at", "create_time": 1750240805000, "app_id": "cli_a1b2c3"},
         "event": {
           "sender":  {"user_id": "u_abc123", "name": "Alice"},
           "message": {"message_id": "msg-g1", "conversation_id": "conv-sg_xyz789",
                       "msg_type": "at_text", "content": {"text": "@Bot  what is up?", "atUserList": ["u_bot"]}, "create_time": 1750240805000},
           "run_id": "run-g1", "assistant_msg_id": "msg-g2", "group_id": "sg_xyz789"}}
        """;

    public const string Cancel = """
        {"type": "event",
         "header": {"event_id": "evt-c1", "event_type": "assistant.cancel", "create_time": 1750240805000, "app_id": "cli_a1b2c3"},
         "event": {"run_id": "run-5d1e", "conversation_id": "conv-u_abc123", "sender": {"user_id": "u_abc123"}}}
        """;

    public static EventFrame Parse(string json) =>
        JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(json), MitiJsonContext.Default.EventFrame)!;

    /// <summary>
    /// The frame parsed the way the client does (<see cref="AgentEvent.FromUtf8Json"/>, the hot path); the
    /// serializer's records through <see cref="AgentEvent.FromFrame"/> must give the same outcome.
    /// </summary>
    public static EventParseResult ParseResult(string json, IEventReplySink? sink = null)
    {
        EventParseResult viaBytes = AgentEvent.FromUtf8Json(Encoding.UTF8.GetBytes(json), sink);
        EventParseResult viaRecords = AgentEvent.FromFrame(Parse(json), sink);
        Assert.Equal((viaRecords.Status, viaRecords.EventId, viaRecords.EventType, viaRecords.Reason), (viaBytes.Status, viaBytes.EventId, viaBytes.EventType, viaBytes.Reason));
        Assert.Equal(viaRecords.Event?.GetType(), viaBytes.Event?.GetType());
        return viaBytes;
    }

    public static T Event<T>(string json, IEventReplySink? sink = null)
        where T : AgentEvent
    {
        EventParseResult result = ParseResult(json, sink);
        Assert.Equal(EventParseStatus.Ok, result.Status);
        return Assert.IsType<T>(result.Event);
    }

    /// <summary>A direct message frame with the given message JSON.</summary>
    public static string WithMessage(string messageJson, string eventType = "im.message.receive", string extra = "") => $$$"""
        {"type": "event",
         "header": {"event_id": "evt-x", "event_type": "{{{eventType}}}", "create_time": 1, "app_id": "cli"},
         "event": {"sender": {"user_id": "u_1"}, "message": {{{messageJson}}}, "run_id": "run-x", "assistant_msg_id": "msg-ax"{{{extra}}}}}
        """;
}
