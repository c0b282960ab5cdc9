namespace MitiAgent;

/// <summary>
/// One message of a conversation's history (spec §7). It lives in the <c>MitiAgent</c> namespace, next to the history
/// calls that return it, so that agents need only <c>using MitiAgent;</c>.
/// </summary>
public sealed record HistoryMessage
{
    /// <summary>The platform's id of the message (the same id an event carried for it).</summary>
    public string? MessageId { get; init; }

    /// <summary><c>user</c> or <c>assistant</c> (see <see cref="MitiAgent.Protocol.WireNames.Roles"/>).</summary>
    public string? Role { get; init; }

    /// <summary>The user id, or the app id for the agent's own messages.</summary>
    public string? SenderId { get; init; }

    /// <summary>The message's <c>msg_type</c>.</summary>
    public string? MsgType { get; init; }

    /// <summary>The message rendered as plain text (images as <c>[image]</c>).</summary>
    public string? Content { get; init; }

    /// <summary>Unix milliseconds.</summary>
    public long CreateTime { get; init; }
}
