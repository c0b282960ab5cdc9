using System.Collections.Concurrent;

namespace MitiAgent.Tests.Integration.Reliability;

/// <summary>What the chaos agent did, per event id.</summary>
internal sealed class ChaosLedger
{
    private int _overloaded;

    /// <summary>How many times a handler (<c>[OnMessage]</c> or <c>[OnOverload]</c>) started for each event id.</summary>
    public ConcurrentDictionary<string, int> Handled { get; } = new(StringComparer.Ordinal);

    /// <summary>Handlers that threw (event id and exception type), for the failure report.</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Events answered by <c>[OnOverload]</c> (they count as handled: spec §8's answer to a full pool).</summary>
    public int Overloaded => Volatile.Read(ref _overloaded);

    public void Handle(string eventId, bool overload = false)
    {
        Handled.AddOrUpdate(eventId, 1, static (_, n) => n + 1);
        if (overload)
        {
            Interlocked.Increment(ref _overloaded);
        }
    }
}

/// <summary>
/// The agent of the chaos run: a generated <c>[OnMessage]</c> handler that answers <c>r:…</c> messages with one
/// <c>messages/send</c> reply and <c>s:…</c> messages with a streamed answer (deltas, then the terminal
/// <c>completed</c> frame), and an <c>[OnOverload]</c> handler that answers "busy". Each handler counts its event id
/// first, so a second run of a handler for one event shows as a duplicate even if its answer is lost.
/// </summary>
internal sealed partial class ChaosAgent(ChaosLedger ledger)
{
    [OnMessage]
    private async Task AnswerAsync(MessageEvent e, CancellationToken cancellationToken)
    {
        ledger.Handle(e.EventId);
        string text = e.Text ?? string.Empty;
        try
        {
            if (text.StartsWith("s:", StringComparison.Ordinal))
            {
                MitiReplyStream stream = e.OpenStream();
                await stream.AppendAsync("answer to ", cancellationToken);
                await stream.AppendAsync(text, cancellationToken);
                await stream.CompleteAsync("answer to " + text, null, cancellationToken);
            }
            else
            {
                await e.ReplyAsync("answer to " + text, useMarkdown: text.Length % 2 == 0, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            ledger.Failures.Enqueue(e.EventId + ": " + ex.GetType().Name + " " + ex.Message);
            throw;
        }
    }

    [OnOverload]
    private async Task BusyAsync(MessageEvent e, CancellationToken cancellationToken)
    {
        ledger.Handle(e.EventId, overload: true);
        try
        {
            await e.ReplyAsync("busy, please retry", useMarkdown: false, cancellationToken);
        }
        catch (Exception ex)
        {
            ledger.Failures.Enqueue(e.EventId + " (overload): " + ex.GetType().Name + " " + ex.Message);
            throw;
        }
    }
}
