using System.Text.Json;
using System.Text.Json.Serialization;

namespace MitiAgent.Protocol;

/// <summary>
/// The System.Text.Json source-generated context for every wire type: snake_case names, <see langword="null"/>
/// members omitted when writing, unknown members ignored when reading (forward compatibility).
/// Reflection-free and trim/AOT-safe.
/// </summary>
/// <remarks>
/// A wire property with a declared default (<c>type</c>, <c>ping_interval_ms</c>, <c>ack_timeout_ms</c>,
/// <c>finished</c>, <c>messages</c>) has a <c>set</c> accessor, not <c>init</c>: the generator fills init-only
/// properties through an object initializer and would replace the default with <c>default(T)</c> whenever the
/// member is absent from the JSON.
/// Every record read from the gateway (frames, headers, payloads, content) has <c>set</c> accessors only: init-only
/// properties put the generated deserializer on its slower parameterized-constructor path (about 850 bytes more
/// per event frame).
/// </remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(ApiResponse<TokenData>))]
[JsonSerializable(typeof(ApiResponse<SendMessageData>))]
[JsonSerializable(typeof(ApiResponse<HistoryData>))]
[JsonSerializable(typeof(ApiResponse<JsonElement?>))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(SendMessageRequest))]
[JsonSerializable(typeof(HelloFrame))]
[JsonSerializable(typeof(EventFrame))]
[JsonSerializable(typeof(AckFrame))]
[JsonSerializable(typeof(PingFrame))]
[JsonSerializable(typeof(PongFrame))]
[JsonSerializable(typeof(ReconnectFrame))]
[JsonSerializable(typeof(StreamFrame))]
[JsonSerializable(typeof(TextContent))]
[JsonSerializable(typeof(AtTextContent))]
[JsonSerializable(typeof(ImageContent))]
[JsonSerializable(typeof(MultimodalContent))]
[JsonSerializable(typeof(StreamFullContent))]
public sealed partial class MitiJsonContext : JsonSerializerContext;
