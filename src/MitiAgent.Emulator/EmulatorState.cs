using System.Text;
using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

// Mutable state of the emulator. Every member is read and written under EmulatorCore's lock.

internal sealed class AppState(EmulatorApp app)
{
    public EmulatorApp App { get; set; } = app;
    public List<GatewayConnection> Connections { get; } = [];
    public int ReservedHandshakes { get; set; }
    public int PeakConnections { get; set; }
    public uint RoundRobin { get; set; }
    public Dictionary<string, Conversation> Conversations { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Run> Runs { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, PendingDelivery> Pending { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, AckFrame> TerminalAcks { get; } = new(StringComparer.Ordinal);
    public Queue<long> RecentSends { get; } = new();
}

internal sealed class UserState(string userId, string name)
{
    public string UserId { get; } = userId;
    public string Name { get; set; } = name;
    public HashSet<string> BlockedApps { get; } = new(StringComparer.Ordinal);
}

internal sealed class GroupState(string groupId, string name)
{
    public string GroupId { get; } = groupId;
    public string Name { get; set; } = name;
    public HashSet<string> Members { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Agents { get; } = new(StringComparer.Ordinal);
}

internal sealed class TokenState(string token, string appId, long expiresAt)
{
    public string Token { get; } = token;
    public string AppId { get; } = appId;
    public long ExpiresAt { get; } = expiresAt;
    public bool Revoked { get; set; }
}

internal sealed class Conversation(string id, string? userId, string? groupId)
{
    public string Id { get; } = id;
    public string? UserId { get; } = userId;
    public string? GroupId { get; } = groupId;
    public List<StoredMessage> Messages { get; } = [];
}

internal sealed class StoredMessage(string messageId, string role, string senderId, string msgType, JsonElement? content, long createTime)
{
    public string MessageId { get; } = messageId;
    public string Role { get; } = role;
    public string SenderId { get; } = senderId;
    public string MsgType { get; } = msgType;
    public JsonElement? Content { get; } = content;
    public long CreateTime { get; } = createTime;

    /// <summary>For streamed assistant messages: the text built from deltas, replaced by the final answer.</summary>
    public StringBuilder? StreamText { get; set; }

    public StringBuilder? StreamReasoning { get; set; }

    public string Render() =>
        StreamText is not null ? StreamText.ToString()
        : Content is { } c ? ContentRenderer.Render(MsgType, c)
        : string.Empty;

    public HistoryMessage ToWire() => new()
    {
        MessageId = MessageId,
        Role = Role,
        SenderId = SenderId,
        MsgType = MsgType,
        Content = Render(),
        CreateTime = CreateTime,
    };
}

internal sealed class Run(string runId, string conversationId, string askMessageId, string assistantMsgId, EventSender sender)
{
    public string RunId { get; } = runId;
    public string ConversationId { get; } = conversationId;
    public string AskMessageId { get; } = askMessageId;
    public string AssistantMsgId { get; } = assistantMsgId;
    public EventSender Sender { get; } = sender;
    public bool Cancelled { get; set; }

    /// <summary>Whether the event reached a connection (else nobody is answering).</summary>
    public bool Delivered { get; set; }

    /// <summary>Whether the agent answered the asking message with <c>messages/send</c>.</summary>
    public bool Replied { get; set; }

    public long CreatedAt { get; init; }
    public StoredMessage? Assistant { get; set; }
    public FinalAnswer? Final { get; set; }
}

internal sealed class PendingDelivery(string eventId, string eventType, byte[] frame)
{
    public string EventId { get; } = eventId;
    public string EventType { get; } = eventType;
    public byte[] Frame { get; } = frame;
    public int Attempts { get; set; }
    public ITimer? Timer { get; set; }
}

internal sealed class RequestFailureRule(int remaining, int statusCode, TimeSpan? retryAfter, string? pathPrefix)
{
    public int Remaining { get; set; } = remaining;
    public int StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public string? PathPrefix { get; } = pathPrefix;
}
