using System.Text;
using MitiAgent;

namespace Samples.Shared;

/// <summary>
/// One console line per event the agent receives (<c>&lt;- …</c>) and per answer it sends (<c>-&gt; …</c>). Long
/// texts are continued on indented lines.
/// </summary>
internal static class ChatLog
{
    /// <summary><c>&lt;- dm u_alice: hello</c> or <c>&lt;- @ in sg_team from u_bob: @EchoAgent hi</c>.</summary>
    public static void Received(MessageEvent e) =>
        Write("<- " + From(e) + ": " + (e.Text ?? "[" + e.Message.MsgType + "]"));

    /// <summary><c>&lt;- cancel run_…</c>.</summary>
    public static void Received(CancelEvent e) => Write("<- cancel " + e.RunId);

    /// <summary><c>-&gt; reply to u_alice: …</c> or <c>-&gt; reply in sg_team: …</c>.</summary>
    public static void Replying(MessageEvent e, string text) => Write("-> reply " + To(e) + ": " + text);

    /// <summary><c>-&gt; stream to u_alice: what</c>, for the steps of a streamed answer.</summary>
    public static void Streaming(MessageEvent e, string what) => Write("-> stream " + To(e) + ": " + what);

    /// <summary>A note about what the agent does, e.g. that a run was cancelled.</summary>
    public static void Note(string text) => Write("   " + text);

    private static string From(MessageEvent e) => e is GroupAtEvent g
        ? "@ in " + g.GroupId + " from " + e.Sender.UserId
        : "dm " + e.Sender.UserId;

    private static string To(MessageEvent e) => e is GroupAtEvent g ? "in " + g.GroupId : "to " + e.Sender.UserId;

    private static void Write(string text)
    {
        string[] lines = text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        var builder = new StringBuilder(lines[0]);
        for (int i = 1; i < lines.Length; i++)
        {
            builder.Append(Environment.NewLine).Append("     ").Append(lines[i]);
        }

        Console.WriteLine(builder.ToString());
    }
}
