using MitiAgent.Emulator;

namespace Samples.Shared;

/// <summary>
/// Plays made-up users against the embedded emulator: each method injects what a user does and waits until the agent
/// answered, so the demo's lines come out in order.
/// </summary>
internal sealed class DemoChat(MitiEmulator emulator, string appId)
{
    /// <summary>How long the demo waits for an answer (generous: the machine may be busy building).</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The emulator, for anything the helpers below do not cover (faults, history, connections).</summary>
    public MitiEmulator Emulator => emulator;

    /// <summary>The demo app.</summary>
    public string AppId => appId;

    /// <summary>A user writes to the agent; returns the reply the agent sent with <c>messages/send</c>.</summary>
    public async Task<SentMessage> DirectMessageAsync(string userId, string userName, string text, CancellationToken cancellationToken)
    {
        var injected = emulator.InjectMessage(appId, userId, text, userName);
        var reply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId, AnswerTimeout, cancellationToken);
        await AnswerLoggedAsync(injected, cancellationToken);
        return reply;
    }

    /// <summary>A user @mentions the agent in a group; returns the reply the agent sent to the group.</summary>
    public async Task<SentMessage> GroupMentionAsync(string groupId, string userId, string userName, string text, CancellationToken cancellationToken)
    {
        var injected = emulator.InjectGroupAt(appId, groupId, userId, text, userName);
        var reply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId, AnswerTimeout, cancellationToken);
        await AnswerLoggedAsync(injected, cancellationToken);
        return reply;
    }

    /// <summary>A user writes to the agent; returns the run's final answer once its terminal stream frame arrived and the agent logged it.</summary>
    public async Task<FinalAnswer> StreamedAnswerAsync(string userId, string userName, string text, CancellationToken cancellationToken)
    {
        var injected = emulator.InjectMessage(appId, userId, text, userName);
        var final = await emulator.WaitForFinalAnswerAsync(injected.RunId!, AnswerTimeout, cancellationToken);
        await AnswerLoggedAsync(injected, cancellationToken);
        return final;
    }

    /// <summary>Waits until the agent printed the last line of its answer to <paramref name="message"/>, so the demo's lines stay in order.</summary>
    public Task AnswerLoggedAsync(InjectedEvent message, CancellationToken cancellationToken) =>
        ChatLog.AnswerLogged(message.RunId).WaitAsync(AnswerTimeout, cancellationToken);

    /// <summary>A user writes to the agent; returns at once (see <see cref="StreamStartedAsync"/>).</summary>
    public InjectedEvent Send(string userId, string userName, string text) => emulator.InjectMessage(appId, userId, text, userName);

    /// <summary>
    /// Waits until the agent either started streaming into the run of <paramref name="message"/> (returns
    /// <see langword="true"/>) or answered it with a message, e.g. the overload handler's "busy" (<see langword="false"/>).
    /// </summary>
    public async Task<bool> StreamStartedAsync(InjectedEvent message, CancellationToken cancellationToken)
    {
        using var loser = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streaming = emulator.WaitForStreamFrameAsync(f => f.Frame.RunId == message.RunId, AnswerTimeout, loser.Token);
        var replied = emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == message.MessageId, AnswerTimeout, loser.Token);
        var first = await Task.WhenAny(streaming, replied);
        await loser.CancelAsync();
        await first; // throws the first one's TimeoutException, if any
        try
        {
            await Task.WhenAll(streaming, replied);
        }
        catch (OperationCanceledException)
        {
            // the other wait, cancelled above
        }

        return first == streaming;
    }

    /// <summary>The user presses "stop" on a running answer (<c>assistant.cancel</c>).</summary>
    public InjectedEvent Cancel(InjectedEvent run) => emulator.InjectCancel(appId, run.RunId!);
}
