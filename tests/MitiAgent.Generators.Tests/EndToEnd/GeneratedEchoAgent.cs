using System.Collections.Concurrent;

namespace MitiAgent.Generators.Tests.EndToEnd;

/// <summary>
/// A real agent whose <see cref="IMitiAgentHandler"/> implementation is written at build time by the generator (this
/// project references it as an analyzer). Each handler records its call and answers through the emulator.
/// </summary>
public sealed partial class GeneratedEchoAgent(ConcurrentQueue<string> calls)
{
    [OnMessage]
    private Task Echo(MessageEvent e, CancellationToken ct)
    {
        calls.Enqueue("Echo");
        return e.ReplyAsync("收到:" + e.Text, useMarkdown: false, cancellationToken: ct);
    }

    [OnMessage(MsgType = "image")]
    private Task Picture(MessageEvent e)
    {
        calls.Enqueue("Picture");
        return e.ReplyAsync("picture", useMarkdown: false);
    }

    [OnGroupAt]
    private async ValueTask Group(GroupAtEvent e, MitiAgentClient client, CancellationToken ct)
    {
        Assert.NotNull(client);
        calls.Enqueue("Group");
        await e.ReplyAsync("group:" + e.TextWithoutMentions, useMarkdown: false, cancellationToken: ct);
    }

    [OnCancel]
    private void Cancel(CancelEvent e) => calls.Enqueue("Cancel:" + e.RunId);

    [OnOverload]
    private static Task Busy(MessageEvent e) => e.ReplyAsync("系统繁忙,请稍后重试", useMarkdown: false);

    [OnError]
    private Task Failed(AgentEvent e, Exception exception, CancellationToken ct)
    {
        calls.Enqueue("Error:" + e.EventId + ":" + exception.Message + ":" + ct.CanBeCanceled);
        return Task.CompletedTask;
    }
}
