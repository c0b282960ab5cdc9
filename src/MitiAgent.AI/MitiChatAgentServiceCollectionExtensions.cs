using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MitiAgent;
using MitiAgent.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MitiChatAgent"/>, an agent that answers every message with the <see cref="IChatClient"/> from DI.</summary>
public static class MitiChatAgentServiceCollectionExtensions
{
    /// <summary>
    /// Runs <see cref="MitiChatAgent"/> as the host's Miti agent (<c>AddMitiAgent&lt;MitiChatAgent&gt;()</c>): each direct
    /// message and group @ is answered, streaming, by the <see cref="IChatClient"/> registered in DI (e.g.
    /// <c>services.AddSingleton&lt;IChatClient&gt;(…)</c> or <c>services.AddChatClient(…)</c>), with the conversation's history.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="systemPrompt">A system message put first, if any.</param>
    /// <param name="configureReply">Sets the history depth and chat options.</param>
    /// <param name="configure">Sets the agent's options in code (see <c>AddMitiAgent</c>).</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another agent type was registered before.</exception>
    public static IServiceCollection AddMitiChatAgent(
        this IServiceCollection services,
        string? systemPrompt = null,
        Action<MitiChatReplyOptions>? configureReply = null,
        Action<MitiAgentOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var reply = new MitiChatReplyOptions { SystemPrompt = systemPrompt };
        configureReply?.Invoke(reply);
        ArgumentOutOfRangeException.ThrowIfNegative(reply.HistoryDepth, nameof(MitiChatReplyOptions.HistoryDepth));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reply.HistoryDepth, 100, nameof(MitiChatReplyOptions.HistoryDepth));
        services.TryAddSingleton(reply);
        return services.AddMitiAgent<MitiChatAgent>(configure);
    }
}
