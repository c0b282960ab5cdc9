using Microsoft.Extensions.Logging;
using MitiAgent;

namespace Company.MitiAgent1;

/// <summary>
/// The agent, created by dependency injection for each event. The MitiAgent source generator implements
/// <see cref="IMitiAgentHandler"/> for this partial class from the [OnMessage] / [OnGroupAt] methods.
/// </summary>
public sealed partial class EchoAgent(ILogger<EchoAgent> logger)
{
    [OnMessage]
    private async Task OnMessageAsync(MessageEvent e, CancellationToken ct)
    {
        logger.LogInformation("Message {MessageId} from {UserId}", e.Message.MessageId, e.Sender.UserId);
        await e.ReplyAsync("echo: " + (e.Text ?? "[" + e.Message.MsgType + "]"), cancellationToken: ct);
    }

    [OnGroupAt]
    private async Task OnGroupAtAsync(GroupAtEvent e, CancellationToken ct)
    {
        logger.LogInformation("Mentioned in {GroupId} by {UserId}", e.GroupId, e.Sender.UserId);
        await e.ReplyAsync("echo: " + (e.TextWithoutMentions ?? "[" + e.Message.MsgType + "]"), cancellationToken: ct);
    }
}
