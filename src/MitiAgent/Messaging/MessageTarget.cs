namespace MitiAgent;

/// <summary>Whether a <see cref="MessageTarget"/> is a user or a group.</summary>
public enum MessageTargetKind
{
    /// <summary>A user (<c>to_user_id</c>).</summary>
    User = 1,

    /// <summary>A group (<c>to_group_id</c>).</summary>
    Group = 2,
}

/// <summary>
/// Where a message goes: exactly one user or one group (spec §6.1). Immutable; build it with
/// <see cref="User(string)"/> or <see cref="Group(string)"/>.
/// </summary>
public sealed record MessageTarget
{
    private MessageTarget(MessageTargetKind kind, string id)
    {
        Kind = kind;
        Id = id;
    }

    /// <summary>User or group.</summary>
    public MessageTargetKind Kind { get; }

    /// <summary>The user id (e.g. <c>u_abc123</c>) or group id (e.g. <c>sg_xyz789</c>).</summary>
    public string Id { get; }

    /// <summary>A direct message to a user.</summary>
    /// <param name="userId">The user id; not empty.</param>
    /// <returns>The target.</returns>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is null, empty or whitespace.</exception>
    public static MessageTarget User(string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        return new MessageTarget(MessageTargetKind.User, userId);
    }

    /// <summary>A message to a group.</summary>
    /// <param name="groupId">The group id; not empty.</param>
    /// <returns>The target.</returns>
    /// <exception cref="ArgumentException"><paramref name="groupId"/> is null, empty or whitespace.</exception>
    public static MessageTarget Group(string groupId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        return new MessageTarget(MessageTargetKind.Group, groupId);
    }

    /// <summary><c>user:&lt;id&gt;</c> or <c>group:&lt;id&gt;</c>.</summary>
    /// <returns>The kind and id.</returns>
    public override string ToString() => (Kind == MessageTargetKind.Group ? "group:" : "user:") + Id;
}
