using MitiAgent.Internal;
using MitiAgent.Protocol;

namespace MitiAgent.Messaging;

/// <summary>
/// The client-side checks of a send request (spec §6.1): exactly one target, a <c>msg_type</c>, a content object,
/// and <c>text</c>/<c>markdown</c> within the length limit. Violations never reach the server.
/// </summary>
internal static class SendMessageValidation
{
    /// <exception cref="ArgumentException">The request breaks a rule of spec §6.1.</exception>
    public static void Validate(SendMessageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        bool hasUser = !string.IsNullOrWhiteSpace(request.ToUserId);
        bool hasGroup = !string.IsNullOrWhiteSpace(request.ToGroupId);
        if (hasUser == hasGroup)
        {
            throw new ArgumentException("Exactly one of to_user_id and to_group_id must be set.", nameof(request));
        }

        if (request.ReplyToMessageId is not null && string.IsNullOrWhiteSpace(request.ReplyToMessageId))
        {
            throw new ArgumentException("reply_to_message_id must not be empty when set.", nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.MsgType))
        {
            throw new ArgumentException("msg_type is required.", nameof(request));
        }

        if (request.Content is not { ValueKind: System.Text.Json.JsonValueKind.Object } content)
        {
            throw new ArgumentException("content must be a JSON object.", nameof(request));
        }

        string? limited = request.MsgType switch
        {
            WireNames.MsgTypes.Text or WireNames.MsgTypes.AtText or WireNames.MsgTypes.Multimodal => "text",
            WireNames.MsgTypes.StreamFull => "markdown",
            _ => null,
        };
        if (limited is not null
            && content.TryGetProperty(limited, out System.Text.Json.JsonElement value)
            && value.ValueKind == System.Text.Json.JsonValueKind.String
            && TextLimits.CountCharacters(value.GetString()!) > WireNames.Defaults.MaxTextLength)
        {
            throw new ArgumentException($"content.{limited} exceeds {WireNames.Defaults.MaxTextLength} characters.", nameof(request));
        }
    }
}
