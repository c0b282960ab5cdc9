using MitiAgent.Events;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// The user stopped a running answer (<c>assistant.cancel</c>, handled by <c>[OnCancel]</c>). The SDK also cancels
/// the <see cref="AgentEvent.CancellationToken"/> of the message event of that run and stops its deltas.
/// </summary>
public sealed class CancelEvent : AgentEvent
{
    internal CancelEvent(in EventFrameParts.HeaderParts header, in EventFrameParts.PayloadParts payload, IEventReplySink? replySink)
        : base(in header, replySink)
    {
        RunId = payload.RunId!;
        ConversationId = string.IsNullOrWhiteSpace(payload.ConversationId) ? null : payload.ConversationId;
        Sender = payload.Sender;
    }

    /// <summary>The cancelled run.</summary>
    public string RunId { get; }

    /// <summary>The conversation of the run.</summary>
    public string? ConversationId { get; }

    /// <summary>Who stopped the run, when the server says.</summary>
    public EventSender? Sender { get; }

    /// <summary>Why a cancel payload does not fit (spec §5), or <see langword="null"/>.</summary>
    internal static string? ValidateCancelPayload(in EventFrameParts.PayloadParts payload) =>
        string.IsNullOrWhiteSpace(payload.RunId) ? "assistant.cancel event without run_id" : null;
}
