using System.Globalization;
using System.Text;
using MitiAgent;
using Samples.Shared;

namespace Samples.Echo;

/// <summary>
/// The Python Quick Start in C#: echoes direct messages and group @mentions, and answers "history" with the last
/// messages of the conversation. The source generator writes this class's <see cref="IMitiAgentHandler"/>
/// implementation from the attributes (no reflection).
/// </summary>
public sealed partial class EchoAgent
{
    /// <summary>How many messages the "history" command shows.</summary>
    public const int HistoryLimit = 5;

    [OnMessage]
    private async Task OnMessageAsync(MessageEvent e, MitiAgentClient client, CancellationToken ct)
    {
        ChatLog.Received(e);
        string reply = IsHistoryCommand(e.Text) && e.Message.ConversationId is { } conversationId
            ? await DescribeHistoryAsync(client, conversationId, ct)
            : "收到:" + (e.Text ?? "[" + e.Message.MsgType + "]");
        ChatLog.Replying(e, reply);
        await e.ReplyAsync(reply, cancellationToken: ct);
    }

    [OnGroupAt]
    private async Task OnGroupAtAsync(GroupAtEvent e, CancellationToken ct)
    {
        ChatLog.Received(e);
        string reply = "收到:" + (e.TextWithoutMentions ?? "[" + e.Message.MsgType + "]");
        ChatLog.Replying(e, reply);
        await e.ReplyAsync(reply, cancellationToken: ct);
    }

    private static bool IsHistoryCommand(string? text) => string.Equals(text?.Trim(), "history", StringComparison.OrdinalIgnoreCase);

    private static async Task<string> DescribeHistoryAsync(MitiAgentClient client, string conversationId, CancellationToken ct)
    {
        var messages = await client.GetHistoryAsync(conversationId, HistoryLimit, ct);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Last {messages.Count} messages of {conversationId}:");
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            string who = m.Role == "assistant" ? "agent" : m.SenderId ?? "?";
            text.Append(CultureInfo.InvariantCulture, $"\n{i + 1}. {who}: {m.Content}");
        }

        return text.ToString();
    }
}
