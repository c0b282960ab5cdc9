using System.Globalization;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

internal sealed partial class EmulatorCore
{
    /// <summary>How many recent events and closed connections the chat page's side panel lists.</summary>
    private const int RecentItems = 30;

    /// <summary>
    /// A run counts as open (typing indicator, Stop button) until its terminal frame, a cancel or a reply; a run that
    /// never started streaming stops counting after this long (the agent may simply not answer).
    /// </summary>
    private static readonly TimeSpan UnansweredRunWindow = TimeSpan.FromMinutes(2);

    /// <summary>What the chat page shows: one snapshot, taken under the lock. Never contains secrets or tokens.</summary>
    public ChatState ChatState(string? appId, string? userId, string? groupId)
    {
        lock (_gate)
        {
            long version = Changes.Version;
            var apps = _apps.Values.OrderBy(a => a.App.AppId, StringComparer.Ordinal).ToArray();
            var app = appId is not null && _apps.TryGetValue(appId, out var chosen) ? chosen : apps.FirstOrDefault();
            var appViews = apps.Select(a => new ChatApp(
                a.App.AppId,
                a.App.Name ?? a.App.AppId,
                a.App.Disabled,
                a.Connections.Where(c => !c.Closing).Select(c => new ChatConnection(c.ConnId, c.OpenedAt, c.Silent, c.EventsDelivered)).ToArray())).ToArray();
            var users = _users.Values.OrderBy(u => u.UserId, StringComparer.Ordinal).Select(u => new ChatUser(u.UserId, u.Name)).ToArray();
            var groups = _groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal).Select(g => new ChatGroup(g.GroupId, g.Name)).ToArray();
            if (app is null)
            {
                return new ChatState(version, null, appViews, users, groups, null, [], [], [], [], []);
            }

            string? conversationId = groupId is { Length: > 0 } ? "conv-" + groupId : userId is { Length: > 0 } ? "conv-" + userId : null;
            var conversation = conversationId is not null && app.Conversations.TryGetValue(conversationId, out var c) ? c : null;
            var runsByAssistant = app.Runs.Values.ToDictionary(r => r.AssistantMsgId, StringComparer.Ordinal);
            var messages = conversation?.Messages.Select(m => DescribeMessage(m, runsByAssistant)).ToArray() ?? [];
            long now = Now;
            var openRuns = conversation is null ? [] : app.Runs.Values
                .Where(r => r.ConversationId == conversation.Id && IsOpen(r, now))
                .Select(r => new ChatRun(r.RunId, r.Sender.UserId, r.Assistant is not null))
                .ToArray();
            var closed = ClosedConnections.Snapshot().Where(x => x.AppId == app.App.AppId).TakeLast(RecentItems).Reverse()
                .Select(x => new ChatClosedConnection(x.ConnId, x.CloseCode, x.Reason, x.At)).ToArray();
            return new ChatState(
                version, app.App.AppId, appViews, users, groups, conversationId, messages, openRuns,
                RecentEvents(app), closed, ArmedFaults(app.App.AppId));
        }
    }

    private static bool IsOpen(Run run, long now) =>
        run.Delivered && !run.Cancelled && run.Final is null && !run.Replied
        && (run.Assistant is not null || now - run.CreatedAt < (long)UnansweredRunWindow.TotalMilliseconds);

    private ChatMessage DescribeMessage(StoredMessage m, Dictionary<string, Run> runsByAssistant)
    {
        string name = m.Role == WireNames.Roles.User
            ? (_users.TryGetValue(m.SenderId, out var u) ? u.Name : m.SenderId)
            : (_apps.TryGetValue(m.SenderId, out var a) ? a.App.Name ?? a.App.AppId : m.SenderId);
        string text = m.Render();
        bool markdown = m.Role == WireNames.Roles.Assistant && m.MsgType == WireNames.MsgTypes.StreamFull;
        string? state = null;
        string? runId = null;
        string? errorCode = null;
        string? errorMsg = null;
        string? reasoning = null;
        if (m.StreamText is not null && runsByAssistant.TryGetValue(m.MessageId, out var run))
        {
            runId = run.RunId;
            state = run.Final?.State ?? (run.Cancelled ? "cancelled" : "streaming");
            errorCode = run.Final?.Error?.Code;
            errorMsg = run.Final?.Error?.Msg;
            reasoning = m.StreamReasoning is { Length: > 0 } r ? r.ToString() : null;
            if (state == WireNames.StreamStates.Failed && run.Final!.StreamedText.Length == 0)
            {
                text = string.Empty; // the history's "[error] msg" placeholder: the page shows the error itself
            }
        }

        return new ChatMessage(
            m.MessageId, m.Role, m.SenderId, name, m.MsgType, text,
            markdown && text.Length > 0 ? MarkdownRenderer.ToHtml(text) : null,
            reasoning, state, runId, errorCode, errorMsg, m.CreateTime);
    }

    private ChatEvent[] RecentEvents(AppState app)
    {
        var injected = Injected.Snapshot().Where(e => e.AppId == app.App.AppId).TakeLast(RecentItems).Reverse().ToArray();
        var ids = injected.Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
        var deliveries = Deliveries.Snapshot().Where(d => ids.Contains(d.EventId)).ToLookup(d => d.EventId, StringComparer.Ordinal);
        var acks = EventAcks.Snapshot().Where(a => ids.Contains(a.EventId)).ToLookup(a => a.EventId, StringComparer.Ordinal);
        return injected.Select(e =>
        {
            var writes = deliveries[e.EventId].ToArray();
            int attempts = writes.Length == 0 ? 0 : writes.Max(d => d.Attempt);
            string ack = !e.Delivered ? "not delivered (no connection)"
                : acks[e.EventId].Any(a => !a.Ignored) ? "acked"
                : app.Pending.ContainsKey(e.EventId) ? "waiting for ack"
                : "given up";
            return new ChatEvent(
                e.EventId, e.EventType, e.RunId, attempts, Math.Max(0, attempts - 1), writes.Length,
                acks[e.EventId].Count(a => a.Ignored), ack, writes.Select(d => d.ConnId).Distinct(StringComparer.Ordinal).ToArray(),
                writes.Length > 0 ? writes[0].At : null);
        }).ToArray();
    }

    private string[] ArmedFaults(string appId)
    {
        var armed = new List<string>();
        if (_duplicateEvents > 0)
        {
            armed.Add(string.Create(CultureInfo.InvariantCulture, $"next {_duplicateEvents} event(s) delivered twice"));
        }

        if (_ignoreEventAcks > 0)
        {
            armed.Add(string.Create(CultureInfo.InvariantCulture, $"next {_ignoreEventAcks} event ack(s) ignored"));
        }

        foreach (var rule in _requestFailures.Where(r => r.Remaining > 0))
        {
            armed.Add(string.Create(CultureInfo.InvariantCulture, $"next {rule.Remaining} request(s) {rule.PathPrefix ?? "(any path)"} answered {rule.StatusCode}"));
        }

        var silent = _apps.TryGetValue(appId, out var app) ? app.Connections.Where(c => c.Silent && !c.Closing).Select(c => c.ConnId + " is silent") : [];
        armed.AddRange(silent);
        return armed.ToArray();
    }
}

/// <summary>The chat page's view of the emulator (<c>GET /_emulator/ui/state</c>).</summary>
internal sealed record ChatState(
    long Version,
    string? AppId,
    IReadOnlyList<ChatApp> Apps,
    IReadOnlyList<ChatUser> Users,
    IReadOnlyList<ChatGroup> Groups,
    string? ConversationId,
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<ChatRun> OpenRuns,
    IReadOnlyList<ChatEvent> Events,
    IReadOnlyList<ChatClosedConnection> ClosedConnections,
    IReadOnlyList<string> ArmedFaults);

internal sealed record ChatApp(string AppId, string Name, bool Disabled, IReadOnlyList<ChatConnection> Connections);

internal sealed record ChatConnection(string ConnId, long Since, bool Silent, int EventsDelivered);

internal sealed record ChatClosedConnection(string ConnId, int? CloseCode, string? Reason, long At);

internal sealed record ChatUser(string UserId, string Name);

internal sealed record ChatGroup(string GroupId, string Name);

/// <summary>
/// A message of the conversation. <c>Html</c> (agents' markdown, rendered safely on the server) is the only field the
/// page inserts as HTML; every other field is shown as text.
/// </summary>
internal sealed record ChatMessage(
    string MessageId,
    string Role,
    string SenderId,
    string SenderName,
    string MsgType,
    string Text,
    string? Html,
    string? Reasoning,
    string? State,
    string? RunId,
    string? ErrorCode,
    string? ErrorMsg,
    long CreateTime);

internal sealed record ChatRun(string RunId, string? UserId, bool Streaming);

internal sealed record ChatEvent(
    string EventId,
    string EventType,
    string? RunId,
    int Attempts,
    int Redeliveries,
    int Writes,
    int IgnoredAcks,
    string Ack,
    IReadOnlyList<string> ConnIds,
    long? FirstDeliveredAt);
