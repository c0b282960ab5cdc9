using System.Collections.Concurrent;
using System.Text;
using MitiAgent;

namespace Samples.Shared;

/// <summary>
/// The sample's console: one line per event the agent receives (<c>&lt;- …</c>) and per answer it sends
/// (<c>-&gt; …</c>), long texts continued on indented lines; the terminal chat's answers as they grow. Every line goes
/// through one lock, so lines never mix, and a growing answer that another line interrupts goes on on a new line.
/// It also remembers which runs the agent has finished answering, so the demo waits for an answer's last line before
/// the next message.
/// </summary>
internal static class ChatLog
{
    private static readonly object Gate = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Answered = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Cancelled = new(StringComparer.Ordinal);
    private static bool _liveOpen;
    private static bool _liveInterrupted;

    /// <summary><c>&lt;- dm u_alice: hello</c> or <c>&lt;- @ in sg_team from u_bob: @EchoAgent hi</c>.</summary>
    public static void Received(MessageEvent e) =>
        Write("<- " + From(e) + ": " + (e.Text ?? "[" + e.Message.MsgType + "]"));

    /// <summary><c>&lt;- cancel run_…</c>.</summary>
    public static void Received(CancelEvent e)
    {
        Write("<- cancel " + e.RunId);
        Entry(Cancelled, e.RunId).TrySetResult();
    }

    /// <summary><c>-&gt; reply to u_alice: …</c> or <c>-&gt; reply in sg_team: …</c>: the agent's answer to the event.</summary>
    public static void Replying(MessageEvent e, string text)
    {
        Write("-> reply " + To(e) + ": " + text);
        MarkAnswered(e.RunId);
    }

    /// <summary><c>-&gt; stream to u_alice: what</c>, for the steps of a streamed answer.</summary>
    public static void Streaming(MessageEvent e, string what) => Write("-> stream " + To(e) + ": " + what);

    /// <summary>The last line of a streamed answer (completed, failed or stopped).</summary>
    public static void StreamEnded(MessageEvent e, string what)
    {
        Streaming(e, what);
        MarkAnswered(e.RunId);
    }

    /// <summary>A note about what the agent does, e.g. that a run was cancelled.</summary>
    public static void Note(string text) => Write("   " + text);

    /// <summary>A line of the sample itself (banner, connection state, demo).</summary>
    public static void Print(string text)
    {
        lock (Gate)
        {
            EndLiveLine(interrupted: true);
            Console.WriteLine(text);
        }
    }

    /// <summary>Appends to the growing line <paramref name="prefix"/><c>…</c> (the terminal chat's streamed answer).</summary>
    public static void Live(string prefix, string text)
    {
        lock (Gate)
        {
            if (!_liveOpen)
            {
                Console.Write(_liveInterrupted ? prefix + "… " : prefix);
                _liveOpen = true;
                _liveInterrupted = false;
            }

            Console.Write(text);
        }
    }

    /// <summary>Ends the growing line.</summary>
    public static void EndLive()
    {
        lock (Gate)
        {
            EndLiveLine(interrupted: false);
        }
    }

    /// <summary>Completes once the agent logged its answer to <paramref name="runId"/> (its reply or the stream's last line).</summary>
    public static Task AnswerLogged(string? runId) => runId is null ? Task.CompletedTask : Entry(Answered, runId).Task;

    /// <summary>Waits (at most <paramref name="timeout"/>) until the cancel of <paramref name="runId"/> was logged.</summary>
    public static async Task CancelLoggedAsync(string runId, TimeSpan timeout)
    {
        try
        {
            await Entry(Cancelled, runId).Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            // No cancel event: the run was stopped by the agent's shutdown.
        }
    }

    private static void MarkAnswered(string? runId)
    {
        if (runId is not null)
        {
            Entry(Answered, runId).TrySetResult();
        }
    }

    private static TaskCompletionSource Entry(ConcurrentDictionary<string, TaskCompletionSource> map, string runId) =>
        map.GetOrAdd(runId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static string From(MessageEvent e) => e is GroupAtEvent g
        ? "@ in " + g.GroupId + " from " + e.Sender.UserId
        : "dm " + e.Sender.UserId;

    private static string To(MessageEvent e) => e is GroupAtEvent g ? "in " + g.GroupId : "to " + e.Sender.UserId;

    private static void EndLiveLine(bool interrupted)
    {
        if (_liveOpen)
        {
            Console.WriteLine();
            _liveOpen = false;
            _liveInterrupted = interrupted;
        }
        else if (!interrupted)
        {
            _liveInterrupted = false;
        }
    }

    private static void Write(string text)
    {
        string[] lines = text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        var builder = new StringBuilder(lines[0]);
        for (int i = 1; i < lines.Length; i++)
        {
            builder.Append(Environment.NewLine).Append("     ").Append(lines[i]);
        }

        Print(builder.ToString());
    }
}
