using Microsoft.Extensions.AI;

namespace MitiAgent.AI;

/// <summary>How <see cref="MessageEventChatClientExtensions.ReplyWithChatClientAsync(MessageEvent, IChatClient, MitiChatReplyOptions, CancellationToken)"/> builds the conversation and calls the model.</summary>
public sealed class MitiChatReplyOptions
{
    /// <summary>The default <see cref="HistoryDepth"/>.</summary>
    public const int DefaultHistoryDepth = 20;

    /// <summary>A system message put first, if any.</summary>
    public string? SystemPrompt { get; set; }

    /// <summary>
    /// How many earlier messages of the conversation to read (<c>GetHistoryAsync</c>), 0–100; 0 sends only the current
    /// message. Default 20.
    /// </summary>
    public int HistoryDepth { get; set; } = DefaultHistoryDepth;

    /// <summary>Passed to <see cref="IChatClient.GetStreamingResponseAsync"/> (model id, temperature, tools, ...).</summary>
    public ChatOptions? ChatOptions { get; set; }
}
