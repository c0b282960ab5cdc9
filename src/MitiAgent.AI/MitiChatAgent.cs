using Microsoft.Extensions.AI;

namespace MitiAgent.AI;

/// <summary>
/// An agent that is just a chat model: every direct message and group @ is answered with the <see cref="IChatClient"/>
/// from dependency injection (<see cref="MessageEventChatClientExtensions.ReplyWithChatClientAsync(MessageEvent, IChatClient, MitiChatReplyOptions, CancellationToken)"/>).
/// Registered by <c>services.AddMitiChatAgent(systemPrompt: "…")</c>.
/// </summary>
public sealed class MitiChatAgent : IMitiAgentHandler
{
    private readonly IChatClient _chatClient;
    private readonly MitiChatReplyOptions _options;

    /// <summary>Creates the agent.</summary>
    /// <param name="chatClient">The model.</param>
    /// <param name="options">System prompt, history depth and chat options.</param>
    public MitiChatAgent(IChatClient chatClient, MitiChatReplyOptions options)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(options);
        _chatClient = chatClient;
        _options = options;
    }

    /// <inheritdoc/>
    public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt;

    /// <summary>
    /// Answers a message: streamed into its run when it has one, otherwise as one markdown reply with the model's whole
    /// response.
    /// </summary>
    /// <param name="context">The event.</param>
    /// <returns>Completes when the answer was sent.</returns>
    public async ValueTask DispatchAsync(MitiEventContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Event is not MessageEvent message)
        {
            return;
        }

        if (message.RunId is not null && message.AssistantMsgId is not null)
        {
            await message.ReplyWithChatClientAsync(_chatClient, _options, context.CancellationToken).ConfigureAwait(false);
            return;
        }

        List<ChatMessage> messages = await message.BuildChatMessagesAsync(_options.SystemPrompt, _options.HistoryDepth, context.CancellationToken).ConfigureAwait(false);
        ChatResponse response = await _chatClient.GetResponseAsync(messages, _options.ChatOptions, context.CancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(response.Text))
        {
            await message.ReplyAsync(response.Text, context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Not handled: <see cref="HandledKinds"/> has no overload handler.</summary>
    /// <param name="context">The event.</param>
    /// <returns>A completed task.</returns>
    public ValueTask DispatchOverloadAsync(MitiEventContext context) => ValueTask.CompletedTask;
}
