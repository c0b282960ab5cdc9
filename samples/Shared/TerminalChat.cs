using System.Threading.Channels;
using MitiAgent.Emulator;
using MitiAgent.Protocol;

namespace Samples.Shared;

/// <summary>
/// Chat with the agent from the terminal: each line typed is sent to the agent as a DM from <see cref="UserId"/> (the
/// embedded emulator injects it), and the answer is printed: a reply as it arrives, a streamed answer as it grows.
/// </summary>
internal sealed class TerminalChat(MitiEmulator emulator, string appId, string agentName)
{
    /// <summary>The user the terminal speaks as (the chat page's default user too).</summary>
    public const string UserId = "u_you";

    /// <summary>That user's display name.</summary>
    public const string UserName = "You";

    /// <summary>How long an answer may take before the chat gives up waiting for it.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(60);

    private string Prefix => agentName + " > ";

    /// <summary>Reads lines until the input ends or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(TextReader input, CancellationToken cancellationToken)
    {
        ChatLog.Print($"Chat: type a message and press Enter to send it to {agentName} as {UserId} (Ctrl+C stops the agent).");
        var lines = Channel.CreateUnbounded<string>();

        // Console reads block and cannot be cancelled: a background thread reads, the chat waits on the channel.
        var reader = new Thread(() =>
        {
            try
            {
                while (input.ReadLine() is { } line)
                {
                    lines.Writer.TryWrite(line);
                }
            }
            catch (IOException)
            {
                // The terminal went away.
            }

            lines.Writer.TryComplete();
        })
        {
            IsBackground = true,
            Name = "terminal chat input",
        };
        reader.Start();

        try
        {
            await foreach (string line in lines.Reader.ReadAllAsync(cancellationToken))
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    await SendAsync(line.Trim(), cancellationToken);
                }
            }

            ChatLog.Print("Chat input ended. The agent keeps running; Ctrl+C stops it.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C.
        }
    }

    private async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        var sent = emulator.InjectMessage(appId, UserId, text, UserName);
        if (!sent.Delivered)
        {
            ChatLog.Print($"({agentName} is not connected: the message was not delivered)");
            return;
        }

        try
        {
            await PrintAnswerAsync(sent, cancellationToken);
        }
        catch (TimeoutException)
        {
            ChatLog.EndLive();
            ChatLog.Print($"({agentName} did not answer within {AnswerTimeout.TotalSeconds:0} s)");
        }
    }

    /// <summary>Prints the reply (<c>messages/send</c>) or the streamed answer of the run, whichever the agent gives.</summary>
    private async Task PrintAnswerAsync(InjectedEvent sent, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reply = emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == sent.MessageId, AnswerTimeout, done.Token);
        int lastSeq = 0;
        string shown = string.Empty;
        try
        {
            while (true)
            {
                int after = lastSeq;
                var frame = emulator.WaitForStreamFrameAsync(
                    f => f.Frame.RunId == sent.RunId && (f.Frame.Seq > after || WireNames.StreamStates.IsTerminal(f.Frame.State)),
                    AnswerTimeout,
                    done.Token);
                if (await Task.WhenAny(reply, frame) == reply)
                {
                    ChatLog.EndLive();
                    ChatLog.Print(Prefix + (await reply).Text);
                    return;
                }

                var received = (await frame).Frame;
                lastSeq = Math.Max(lastSeq, received.Seq);
                if (!WireNames.StreamStates.IsTerminal(received.State))
                {
                    shown = Show(shown, CurrentText(sent));
                    continue;
                }

                var final = await emulator.WaitForFinalAnswerAsync(sent.RunId!, TimeSpan.FromSeconds(5), cancellationToken);
                Show(shown, final.State == WireNames.StreamStates.Completed ? final.Answer ?? string.Empty : final.StreamedText);
                ChatLog.EndLive();
                if (final.State == WireNames.StreamStates.Failed)
                {
                    ChatLog.Print($"{Prefix}[failed: {final.Error?.Code}: {final.Error?.Msg}]");
                }

                return;
            }
        }
        finally
        {
            await done.CancelAsync(); // ends the wait that lost
        }
    }

    /// <summary>Prints what <paramref name="text"/> adds to what is <paramref name="shown"/>; returns what is shown now.</summary>
    private string Show(string shown, string text)
    {
        if (text.StartsWith(shown, StringComparison.Ordinal))
        {
            if (text.Length > shown.Length)
            {
                ChatLog.Live(Prefix, text[shown.Length..]);
            }

            return text;
        }

        // The final answer differs from the deltas: print it whole.
        ChatLog.EndLive();
        ChatLog.Live(Prefix, text);
        return text;
    }

    /// <summary>The assistant message's text as the conversation holds it (the deltas so far).</summary>
    private string CurrentText(InjectedEvent sent) =>
        emulator.GetConversation(appId, sent.ConversationId).FirstOrDefault(m => m.MessageId == sent.AssistantMsgId)?.Content ?? string.Empty;
}
