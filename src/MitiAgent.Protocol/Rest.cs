using System.Text.Json;

namespace MitiAgent.Protocol;

/// <summary>
/// The REST response envelope <c>{"code", "msg", "data"}</c> (spec §2). <c>code == 0</c> is success.
/// </summary>
/// <typeparam name="T">The type of <c>data</c>.</typeparam>
public sealed record ApiResponse<T>
{
    /// <summary>0 on success, otherwise one of <see cref="WireNames.Codes"/>.</summary>
    public int Code { get; init; }

    /// <summary>A short human-readable message (<c>"ok"</c> on success).</summary>
    public string? Msg { get; init; }

    /// <summary>The payload; absent or <see langword="null"/> on errors.</summary>
    public T? Data { get; init; }
}

/// <summary><c>POST /agent/v1/auth/token</c> request body (spec §3).</summary>
public sealed class TokenRequest
{
    /// <summary>The app id, e.g. <c>cli_a1b2c3</c>.</summary>
    public string? AppId { get; init; }

    /// <summary>The app secret. Never printed by <see cref="ToString"/>.</summary>
    public string? AppSecret { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"TokenRequest {{ AppId = {AppId}, AppSecret = *** }}";
}

/// <summary><c>data</c> of a successful token response (spec §3).</summary>
public sealed class TokenData
{
    /// <summary>The bearer token. Never printed by <see cref="ToString"/>.</summary>
    public string? AccessToken { get; init; }

    /// <summary>Lifetime in seconds.</summary>
    public int ExpiresIn { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"TokenData {{ AccessToken = ***, ExpiresIn = {ExpiresIn} }}";
}

/// <summary><c>POST /agent/v1/messages/send</c> request body (spec §6.1).</summary>
public sealed record SendMessageRequest
{
    /// <summary>Target user; exactly one of <see cref="ToUserId"/> and <see cref="ToGroupId"/> is set.</summary>
    public string? ToUserId { get; init; }

    /// <summary>Target group; exactly one of <see cref="ToUserId"/> and <see cref="ToGroupId"/> is set.</summary>
    public string? ToGroupId { get; init; }

    /// <summary>One of <see cref="WireNames.MsgTypes"/>.</summary>
    public string? MsgType { get; init; }

    /// <summary>The content object; its shape depends on <see cref="MsgType"/>.</summary>
    public JsonElement? Content { get; init; }

    /// <summary>Optional id of the message this one answers.</summary>
    public string? ReplyToMessageId { get; init; }
}

/// <summary><c>data</c> of a successful send (spec §6.1).</summary>
public sealed record SendMessageData
{
    /// <summary>The id of the new message.</summary>
    public string? MessageId { get; init; }

    /// <summary>Unix milliseconds.</summary>
    public long CreateTime { get; init; }
}

/// <summary><c>data</c> of a history response (spec §7).</summary>
public sealed record HistoryData
{
    /// <summary>The newest messages, oldest first.</summary>
    public IReadOnlyList<HistoryMessage> Messages { get; set; } = [];

    /// <summary>Whether older messages exist beyond this page.</summary>
    public bool HasMore { get; init; }
}
