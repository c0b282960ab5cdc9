using System.Text.Json.Serialization;

namespace MitiAgent.Generators.Tests.Content;

/// <summary>A poll, described only by <see cref="PollJsonContext"/> (the content generator writes nothing for it).</summary>
public sealed record RtPoll(string Question, IReadOnlyList<string> Options);

/// <summary>The user's own System.Text.Json context.</summary>
[JsonSerializable(typeof(RtPoll))]
internal sealed partial class PollJsonContext : JsonSerializerContext;

/// <summary>An agent that points the SDK at its own context instead of generated metadata.</summary>
[MitiJsonContext(typeof(PollJsonContext))]
public partial class PollAgent
{
    [OnGroupAt(MsgType = "poll")]
    private static Task Poll(GroupAtEvent<RtPoll> e, CancellationToken ct) =>
        e.ReplyAsync(OutgoingContent.Create("poll", e.Content with { Question = e.Content.Question + "?" }), ct);
}
