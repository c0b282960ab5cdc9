using MitiAgent.Events;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// An @mention of the agent in a group (<c>im.message.group_at</c>, handled by <c>[OnGroupAt]</c>). Replies go to
/// the group.
/// </summary>
public class GroupAtEvent : MessageEvent
{
    internal GroupAtEvent(in EventFrameParts.HeaderParts header, in EventFrameParts.PayloadParts payload, EventMessage message, IEventReplySink? replySink)
        : base(in header, in payload, message, replySink)
    {
        GroupId = payload.GroupId!;
    }

    /// <summary>A typed view of <paramref name="source"/> (<see cref="GroupAtEvent{TContent}"/>).</summary>
    private protected GroupAtEvent(GroupAtEvent source)
        : base(source)
    {
        GroupId = source.GroupId;
    }

    /// <summary>The group, e.g. <c>sg_xyz789</c>.</summary>
    public string GroupId { get; }

    /// <summary>
    /// <see cref="MessageEvent.Text"/> without the leading @names (each a run of non-blank characters starting with
    /// <c>@</c>) and the blanks after them: <c>"@Bot question"</c> → <c>"question"</c>. <see langword="null"/> when there is no text.
    /// </summary>
    public string? TextWithoutMentions => Text is { } text ? StripLeadingMentions(text) : null;

    /// <summary>Replies go to the group the agent was mentioned in, not to the sender.</summary>
    public override MessageTarget ReplyTarget => MessageTarget.Group(GroupId);

    /// <summary>Why a group payload does not fit (spec §5), or <see langword="null"/>.</summary>
    internal static string? ValidateGroupPayload(in EventFrameParts.PayloadParts payload) =>
        ValidateMessagePayload(in payload)
        ?? (string.IsNullOrWhiteSpace(payload.GroupId) ? "group_at event without group_id" : null);

    internal static string StripLeadingMentions(string text)
    {
        int i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length || text[i] != '@')
            {
                break;
            }

            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }
        }

        return text[i..];
    }
}
