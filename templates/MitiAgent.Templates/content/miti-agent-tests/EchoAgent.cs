using MitiAgent;

namespace Company.MitiAgent1.Tests;

/// <summary>
/// The agent under test: stands for yours. To test your agent instead, delete this file and reference its project
/// (dotnet add reference ../MyAgent/MyAgent.csproj).
/// </summary>
public sealed partial class EchoAgent
{
    [OnMessage]
    private Task OnMessageAsync(MessageEvent e, CancellationToken ct) =>
        e.ReplyAsync("echo: " + e.Text, cancellationToken: ct);

    [OnGroupAt]
    private Task OnGroupAtAsync(GroupAtEvent e, CancellationToken ct) =>
        e.ReplyAsync("echo: " + e.TextWithoutMentions, cancellationToken: ct);
}
