using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

internal sealed partial class EmulatorCore
{
    // ---------------------------------------------------------------- injection (user side)

    public InjectedEvent InjectMessage(string appId, string userId, string msgType, JsonElement content, string? userName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(msgType);
        lock (_gate)
        {
            var app = GetApp(appId);
            var user = EnsureUser(userId, userName);
            var conv = EnsureConversation(app, "conv-" + userId, userId, null);
            return InjectUserMessage(app, conv, user, msgType, content, WireNames.EventTypes.MessageReceive, groupId: null);
        }
    }

    public InjectedEvent InjectGroupAt(string appId, string groupId, string userId, string msgType, JsonElement content, string? userName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        lock (_gate)
        {
            var app = GetApp(appId);
            var user = EnsureUser(userId, userName);
            var group = EnsureGroup(groupId, null);
            group.Members.Add(userId);
            group.Agents.Add(appId);
            var conv = EnsureConversation(app, "conv-" + groupId, null, groupId);
            return InjectUserMessage(app, conv, user, msgType, content, WireNames.EventTypes.GroupAt, groupId);
        }
    }

    /// <summary>Builds the <c>at_text</c> content a group @mention of the app carries.</summary>
    public JsonElement AtTextFor(string appId, string text)
    {
        string name;
        lock (_gate)
        {
            var app = GetApp(appId);
            name = app.App.Name ?? app.App.AppId;
        }

        return JsonSerializer.SerializeToElement(
            new AtTextContent { Text = "@" + name + " " + text, AtUserList = [appId] },
            Json.AtTextContent);
    }

    public InjectedEvent InjectCancel(string appId, string runId)
    {
        lock (_gate)
        {
            var app = GetApp(appId);
            if (!app.Runs.TryGetValue(runId, out var run))
            {
                throw new ArgumentException($"No run '{runId}' for app '{appId}'.", nameof(runId));
            }

            run.Cancelled = true;
            string eventId = NextId("evt");
            long now = Now;
            var frame = new EventFrame
            {
                Header = new EventHeader { EventId = eventId, EventType = WireNames.EventTypes.AssistantCancel, CreateTime = now, AppId = appId },
                Event = new EventPayload { RunId = runId, ConversationId = run.ConversationId, Sender = run.Sender },
            };
            bool delivered = DeliverNew(app, eventId, WireNames.EventTypes.AssistantCancel, frame);
            var injected = new InjectedEvent(eventId, WireNames.EventTypes.AssistantCancel, appId, runId, run.AssistantMsgId, null, run.ConversationId, delivered);
            Injected.Add(injected);
            return injected;
        }
    }

    private InjectedEvent InjectUserMessage(AppState app, Conversation conv, UserState user, string msgType, JsonElement content, string eventType, string? groupId)
    {
        if (content.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Message content must be a JSON object (spec §5).", nameof(content));
        }

        long now = Now;
        string messageId = NextId("msg");
        string eventId = NextId("evt");
        string runId = NextId("run");
        string assistantMsgId = NextId("msg");
        conv.Messages.Add(new StoredMessage(messageId, WireNames.Roles.User, user.UserId, msgType, content.Clone(), now));
        var sender = new EventSender { UserId = user.UserId, Name = user.Name };
        var run = new Run(runId, conv.Id, messageId, assistantMsgId, sender) { CreatedAt = now };
        app.Runs[runId] = run;

        var frame = new EventFrame
        {
            Header = new EventHeader { EventId = eventId, EventType = eventType, CreateTime = now, AppId = app.App.AppId },
            Event = new EventPayload
            {
                Sender = sender,
                Message = new MessageBody { MessageId = messageId, ConversationId = conv.Id, MsgType = msgType, Content = content, CreateTime = now },
                RunId = runId,
                AssistantMsgId = assistantMsgId,
                GroupId = groupId,
            },
        };
        bool delivered = DeliverNew(app, eventId, eventType, frame);
        run.Delivered = delivered;
        var injected = new InjectedEvent(eventId, eventType, app.App.AppId, runId, assistantMsgId, messageId, conv.Id, delivered);
        Injected.Add(injected);
        return injected;
    }

    private static Conversation EnsureConversation(AppState app, string id, string? userId, string? groupId)
    {
        if (!app.Conversations.TryGetValue(id, out var conv))
        {
            conv = new Conversation(id, userId, groupId);
            app.Conversations[id] = conv;
        }

        return conv;
    }

    // ---------------------------------------------------------------- messages/send (spec §6.1)

    public (int Code, string Msg, SendMessageData? Data) Send(string appId, SendMessageRequest? request, long arrival = 0)
    {
        if (request is null)
        {
            return (WireNames.Codes.InvalidParameter, "request body must be a JSON object", null);
        }

        bool toUser = !string.IsNullOrEmpty(request.ToUserId);
        bool toGroup = !string.IsNullOrEmpty(request.ToGroupId);
        if (toUser == toGroup)
        {
            return (WireNames.Codes.InvalidParameter, "exactly one of to_user_id and to_group_id is required", null);
        }

        if (ValidateContent(request.MsgType, request.Content, _options.AllowCustomMsgTypes) is { } contentError)
        {
            return (WireNames.Codes.InvalidParameter, contentError, null);
        }

        lock (_gate)
        {
            var app = GetApp(appId);
            Conversation conv;
            if (toUser)
            {
                if (!_users.TryGetValue(request.ToUserId!, out var user))
                {
                    return (WireNames.Codes.NotFound, "target user not found", null);
                }

                if (user.BlockedApps.Contains(appId))
                {
                    return (WireNames.Codes.NoPermission, "no permission", null);
                }

                conv = EnsureConversation(app, "conv-" + user.UserId, user.UserId, null);
            }
            else
            {
                if (!_groups.TryGetValue(request.ToGroupId!, out var group))
                {
                    return (WireNames.Codes.NotFound, "target group not found", null);
                }

                if (!group.Agents.Contains(appId))
                {
                    return (WireNames.Codes.NoPermission, "no permission", null);
                }

                conv = EnsureConversation(app, "conv-" + group.GroupId, null, group.GroupId);
            }

            if (request.ReplyToMessageId is { Length: > 0 } replyTo && !conv.Messages.Any(m => m.MessageId == replyTo))
            {
                return (WireNames.Codes.InvalidParameter, "reply_to_message_id is not a message of this conversation", null);
            }

            if (request.ReplyToMessageId is { Length: > 0 } answered)
            {
                foreach (var run in app.Runs.Values.Where(r => r.AskMessageId == answered))
                {
                    run.Replied = true;
                }
            }

            long now = Now;
            string messageId = NextId("msg");
            var content = request.Content!.Value.Clone();
            conv.Messages.Add(new StoredMessage(messageId, WireNames.Roles.Assistant, appId, request.MsgType!, content, now));
            Log.MessageSent(_logger, appId, request.MsgType!, (toUser ? request.ToUserId : request.ToGroupId)!, messageId);
            Sent.Add(new SentMessage(appId, messageId, request.ToUserId, request.ToGroupId, conv.Id, request.MsgType!, content, request.ReplyToMessageId, now) { Arrival = arrival == 0 ? NextArrival() : arrival });
            return (WireNames.Codes.Ok, "ok", new SendMessageData { MessageId = messageId, CreateTime = now });
        }
    }

    /// <summary>Checks a send body's content against its msg_type (spec §5, §6.1); null when valid.</summary>
    internal static string? ValidateContent(string? msgType, JsonElement? content, bool allowCustomMsgTypes = false)
    {
        if (string.IsNullOrEmpty(msgType))
        {
            return "msg_type is required";
        }

        if (content is not { ValueKind: JsonValueKind.Object } c)
        {
            return "content must be a JSON object";
        }

        switch (msgType)
        {
            case WireNames.MsgTypes.Text:
                return CheckText(c, "text", required: true);
            case WireNames.MsgTypes.AtText:
                if (c.TryGetProperty("atUserList", out var at)
                    && (at.ValueKind != JsonValueKind.Array || at.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String)))
                {
                    return "content.atUserList must be an array of user id strings";
                }

                return CheckText(c, "text", required: true);
            case WireNames.MsgTypes.Image:
                return CheckImages(c, required: true);
            case WireNames.MsgTypes.Multimodal:
                bool hasText = c.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String && t.GetString()!.Length > 0;
                return CheckText(c, "text", required: false) ?? CheckImages(c, required: !hasText);
            case WireNames.MsgTypes.StreamFull:
                if (c.TryGetProperty("finished", out var f) && f.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return "content.finished must be a boolean";
                }

                if (c.TryGetProperty("ask_msg_id", out var ask) && ask.ValueKind != JsonValueKind.String)
                {
                    return "content.ask_msg_id must be a string";
                }

                return CheckText(c, "markdown", required: true);
            default:
                return allowCustomMsgTypes ? null : $"unsupported msg_type '{msgType}'";
        }
    }

    private static string? CheckText(JsonElement c, string name, bool required)
    {
        if (!c.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return required ? $"content.{name} is required" : null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            return $"content.{name} must be a string";
        }

        string s = v.GetString()!;
        if (required && string.IsNullOrWhiteSpace(s))
        {
            return $"content.{name} must not be empty";
        }

        // Characters are Unicode code points, as the Python reference counts them (len(str)).
        return s.Length > WireNames.Defaults.MaxTextLength && CountCodePoints(s) > WireNames.Defaults.MaxTextLength
            ? $"content.{name} is longer than {WireNames.Defaults.MaxTextLength} characters"
            : null;
    }

    private static int CountCodePoints(string s)
    {
        int count = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string? CheckImages(JsonElement c, bool required)
    {
        if (!c.TryGetProperty("images", out var images) || images.ValueKind == JsonValueKind.Null)
        {
            return required ? "content.images is required" : null;
        }

        if (images.ValueKind != JsonValueKind.Array || (required && images.GetArrayLength() == 0))
        {
            return "content.images must be a non-empty array";
        }

        foreach (var image in images.EnumerateArray())
        {
            if (image.ValueKind != JsonValueKind.Object
                || !image.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(url.GetString()))
            {
                return "every image needs a url";
            }
        }

        return null;
    }

    // ---------------------------------------------------------------- history (spec §7)

    public (int Code, string Msg, HistoryData? Data) History(string appId, string conversationId, string? limitText)
    {
        int limit = WireNames.Defaults.HistoryDefaultLimit;
        if (limitText is not null
            && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit)
                || limit < WireNames.Defaults.HistoryMinLimit || limit > WireNames.Defaults.HistoryMaxLimit))
        {
            return (WireNames.Codes.InvalidParameter, "limit must be an integer from 1 to 100", null);
        }

        lock (_gate)
        {
            if (!GetApp(appId).Conversations.TryGetValue(conversationId, out var conv))
            {
                return (WireNames.Codes.NotFound, "conversation not found", null);
            }

            int skip = Math.Max(0, conv.Messages.Count - limit);
            var page = conv.Messages.Skip(skip).Select(m => m.ToWire()).ToArray();
            return (WireNames.Codes.Ok, "ok", new HistoryData { Messages = page, HasMore = skip > 0 });
        }
    }
}
