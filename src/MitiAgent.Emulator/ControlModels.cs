using System.Text.Json;
using System.Text.Json.Serialization;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

// Bodies of the HTTP control API under /_emulator/ (snake_case JSON, see docs/emulator.md).
// Members with a default use `set`, not `init`: the JSON source generator would reset an init-only
// member to default(T) when the JSON omits it.

internal sealed class AppBody
{
    public string? AppId { get; init; }
    public string? AppSecret { get; init; }
    public string? Name { get; init; }
    public int? TokenLifetimeSeconds { get; init; }
    public bool Disabled { get; init; }
    public int? SendRateLimit { get; init; }
    public int? SendRateWindowMs { get; init; }
}

internal sealed record AppView(string AppId, string? Name, int TokenLifetimeSeconds, bool Disabled);

internal sealed class UserBody
{
    public string? UserId { get; init; }
    public string? Name { get; init; }
}

internal sealed class GroupBody
{
    public string? GroupId { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<string>? MemberIds { get; init; }
    public IReadOnlyList<string>? AgentAppIds { get; init; }
}

internal sealed class BlockBody
{
    public string? UserId { get; init; }
    public string? AppId { get; init; }
    public bool Blocked { get; set; } = true;
}

internal sealed class InjectBody
{
    public string? AppId { get; init; }
    public string? UserId { get; init; }
    public string? UserName { get; init; }
    public string? GroupId { get; init; }
    public string? RunId { get; init; }
    public string? Text { get; init; }
    public string? MsgType { get; init; }
    public JsonElement? Content { get; init; }
}

internal sealed class FaultBody
{
    public string? ConnId { get; init; }
    public string? AppId { get; init; }
    public string? Token { get; init; }
    public bool Silent { get; set; } = true;
    public int? Code { get; init; }
    public string? Reason { get; init; }
    public string? Text { get; init; }
    public int? CloseAfterMs { get; init; }
    public int Count { get; set; } = 1;
    public int? DelayMs { get; init; }
    public int? Status { get; init; }
    public int? RetryAfterSeconds { get; init; }
    public string? PathPrefix { get; init; }
    public int? Size { get; init; }
}

internal sealed record ControlResult(bool Ok, int? Count = null);

/// <summary>An error of the control API: the spec's envelope (§2) with a plain message, <c>data</c> null.</summary>
internal sealed record ControlError(
    int Code,
    string Msg,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonElement? Data = null);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AppBody))]
[JsonSerializable(typeof(AppView[]))]
[JsonSerializable(typeof(UserBody))]
[JsonSerializable(typeof(GroupBody))]
[JsonSerializable(typeof(BlockBody))]
[JsonSerializable(typeof(InjectBody))]
[JsonSerializable(typeof(FaultBody))]
[JsonSerializable(typeof(ControlResult))]
[JsonSerializable(typeof(ControlError))]
[JsonSerializable(typeof(ChatState))]
[JsonSerializable(typeof(InjectedEvent))]
[JsonSerializable(typeof(SentMessage))]
[JsonSerializable(typeof(IReadOnlyList<SentMessage>))]
[JsonSerializable(typeof(ReceivedStreamFrame))]
[JsonSerializable(typeof(IReadOnlyList<ReceivedStreamFrame>))]
[JsonSerializable(typeof(FinalAnswer))]
[JsonSerializable(typeof(IReadOnlyList<FinalAnswer>))]
[JsonSerializable(typeof(ConnectionInfo))]
[JsonSerializable(typeof(IReadOnlyList<ConnectionInfo>))]
[JsonSerializable(typeof(IReadOnlyList<EventDelivery>))]
[JsonSerializable(typeof(IReadOnlyList<EventAck>))]
[JsonSerializable(typeof(IReadOnlyList<RequestRecord>))]
[JsonSerializable(typeof(IReadOnlyList<ClosedConnection>))]
[JsonSerializable(typeof(IReadOnlyList<HistoryMessage>))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The control API's and the chat page's JSON: readable UTF-8 (收到, not \u6536\u5230; only what JSON requires
    /// is escaped). The wire protocol keeps <see cref="MitiJsonContext"/>'s default escaping.
    /// </summary>
    public static EmulatorJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
