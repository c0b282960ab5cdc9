namespace MitiAgent;

/// <summary>
/// Marks the method that handles direct messages (<c>im.message.receive</c>, <see cref="MessageEvent"/>). The MitiAgent
/// source generator wires it into <see cref="IMitiAgentHandler.DispatchAsync"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnMessageAttribute : Attribute
{
    /// <summary>Only messages of this <c>msg_type</c> (e.g. <c>image</c>); <see langword="null"/> for any type.</summary>
    public string? MsgType { get; set; }
}

/// <summary>
/// Marks the method that handles @mentions in groups (<c>im.message.group_at</c>, <see cref="GroupAtEvent"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnGroupAtAttribute : Attribute
{
    /// <summary>Only messages of this <c>msg_type</c>; <see langword="null"/> for any type.</summary>
    public string? MsgType { get; set; }
}

/// <summary>
/// Marks the method that handles stopped runs (<c>assistant.cancel</c>, <see cref="CancelEvent"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnCancelAttribute : Attribute
{
}

/// <summary>
/// Marks the method that answers message events arriving while every handler slot is busy (spec §8), e.g. with
/// <c>reply("系统繁忙,请稍后重试", useMarkdown: false)</c>. Wired into <see cref="IMitiAgentHandler.DispatchOverloadAsync"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnOverloadAttribute : Attribute
{
}

/// <summary>
/// Marks the method called when a message, group @ or cancel handler throws:
/// <c>Task OnError(AgentEvent e, Exception exception, CancellationToken cancellationToken)</c>. Wired into
/// <see cref="IMitiAgentHandler.DispatchErrorAsync"/>. Without one, the SDK logs the failure and fails a stream the
/// handler left open, so the user sees a failed answer instead of a spinner.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnErrorAttribute : Attribute
{
}
