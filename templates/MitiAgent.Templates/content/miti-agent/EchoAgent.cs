using Microsoft.Extensions.Logging;
using MitiAgent;

namespace Company.MitiAgent1;

/// <summary>
/// The agent. Methods marked [OnMessage] (direct messages) and [OnGroupAt] (@mentions in a group) handle events; the
/// MitiAgent source generator implements <see cref="IMitiAgentHandler"/> for this partial class (no reflection), and
/// the analyzers report mistakes in handler signatures as build errors.
/// </summary>
public sealed partial class EchoAgent(ILogger<EchoAgent> logger)
{
    [OnMessage]
    private async Task OnMessageAsync(MessageEvent e, CancellationToken ct)
    {
        // Ids and types only: message content stays out of the log (as in the SDK's own log).
        logger.LogInformation("Message {MessageId} ({MsgType}) from {UserId}", e.Message.MessageId, e.Message.MsgType, e.Sender.UserId);
        await e.ReplyAsync("echo: " + (e.Text ?? "[" + e.Message.MsgType + "]"), cancellationToken: ct);
    }

    [OnGroupAt]
    private async Task OnGroupAtAsync(GroupAtEvent e, CancellationToken ct)
    {
        logger.LogInformation("Mentioned in {GroupId} by {UserId}", e.GroupId, e.Sender.UserId);
        await e.ReplyAsync("echo: " + (e.TextWithoutMentions ?? "[" + e.Message.MsgType + "]"), cancellationToken: ct);
    }
}
