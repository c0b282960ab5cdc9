namespace MitiAgent;

/// <summary>
/// A direct message whose <c>content</c> was deserialized into <typeparamref name="TContent"/> before the handler ran
/// (<c>[OnMessage(MsgType = "...")] Task Handle(MessageEvent&lt;OrderCard&gt; e)</c>). Everything else is the
/// <see cref="MessageEvent"/>: replies, streams, history, the raw <see cref="EventMessage.Content"/>.
/// </summary>
/// <typeparam name="TContent">The content type: one of the SDK's shapes (<c>TextContent</c>, <c>ImageContent</c>, ...) or
/// your own type, whose JSON metadata the source generator writes.</typeparam>
public sealed class MessageEvent<TContent> : MessageEvent
{
    internal MessageEvent(MessageEvent source, TContent content)
        : base(source)
    {
        Content = content;
    }

    /// <summary>The message's <c>content</c>, deserialized (snake_case names unless <c>[JsonPropertyName]</c> says otherwise).</summary>
    public TContent Content { get; }
}

/// <summary>
/// A group @ event whose <c>content</c> was deserialized into <typeparamref name="TContent"/> before the handler ran
/// (<c>[OnGroupAt(MsgType = "...")] Task Handle(GroupAtEvent&lt;PollCard&gt; e)</c>). Replies go to the group.
/// </summary>
/// <typeparam name="TContent">The content type.</typeparam>
public sealed class GroupAtEvent<TContent> : GroupAtEvent
{
    internal GroupAtEvent(GroupAtEvent source, TContent content)
        : base(source)
    {
        Content = content;
    }

    /// <summary>The message's <c>content</c>, deserialized.</summary>
    public TContent Content { get; }
}
