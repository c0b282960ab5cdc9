using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// The JSON metadata of message content: the SDK's wire context (<see cref="MitiJsonContext"/>, which covers the
/// built-in shapes <c>TextContent</c>, <c>AtTextContent</c>, <c>ImageContent</c>, <c>MultimodalContent</c> and
/// <c>StreamFullContent</c>) combined with the resolvers that generated code registers for each assembly's own content
/// types. No reflection: every type comes from source-generated metadata, so it is trim- and Native AOT-safe.
/// </summary>
/// <remarks>
/// The MitiAgent source generator registers an assembly's resolver from a module initializer, before any of the
/// assembly's code runs; call <see cref="Register"/> yourself only for a resolver written by hand.
/// </remarks>
public static class MitiContentJson
{
    private static readonly object Gate = new();
    private static IJsonTypeInfoResolver[] s_resolvers = [];
    private static JsonSerializerOptions? s_options;

    /// <summary>
    /// The options content is read and written with: snake_case names (unless <c>[JsonPropertyName]</c>),
    /// <see langword="null"/> members omitted when writing, unknown members ignored when reading, and every
    /// registered resolver after the SDK's own. Read-only.
    /// </summary>
    public static JsonSerializerOptions Options => Volatile.Read(ref s_options) ?? Build();

    /// <summary>Adds a resolver (generated code calls this for every assembly with content types). Idempotent.</summary>
    /// <param name="resolver">The resolver, e.g. a generated one or a <c>JsonSerializerContext</c>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Register(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        lock (Gate)
        {
            if (Array.IndexOf(s_resolvers, resolver) >= 0)
            {
                return;
            }

            s_resolvers = [.. s_resolvers, resolver];
            Volatile.Write(ref s_options, null);
        }
    }

    /// <summary>The metadata of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A content type.</typeparam>
    /// <returns>Its metadata, bound to <see cref="Options"/>.</returns>
    /// <exception cref="InvalidOperationException">No registered resolver describes <typeparamref name="T"/>.</exception>
    public static JsonTypeInfo<T> GetTypeInfo<T>()
    {
        try
        {
            if (Options.GetTypeInfo(typeof(T)) is JsonTypeInfo<T> info)
            {
                return info;
            }
        }
        catch (NotSupportedException)
        {
        }

        throw new InvalidOperationException(
            "No JSON metadata for the content type " + typeof(T).FullName + ". The MitiAgent source generator writes it for "
            + "types in handler signatures, in OutgoingContent.Create calls and in [MitiContent(typeof(T))] on an agent class; "
            + "or point [MitiJsonContext(typeof(YourContext))] at a JsonSerializerContext that declares it.");
    }

    /// <summary>
    /// Deserializes the content of <paramref name="messageEvent"/> for a typed <c>[OnMessage]</c> handler (generated
    /// code calls this before the handler runs).
    /// </summary>
    /// <typeparam name="TContent">The handler's content type.</typeparam>
    /// <param name="messageEvent">The event.</param>
    /// <returns>The typed view of the event.</returns>
    /// <exception cref="MitiContentException">The content does not fit <typeparamref name="TContent"/>.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static MessageEvent<TContent> ReadMessage<TContent>(MessageEvent messageEvent)
    {
        ArgumentNullException.ThrowIfNull(messageEvent);
        return new MessageEvent<TContent>(messageEvent, Read<TContent>(messageEvent));
    }

    /// <summary>Deserializes the content of <paramref name="groupAtEvent"/> for a typed <c>[OnGroupAt]</c> handler.</summary>
    /// <typeparam name="TContent">The handler's content type.</typeparam>
    /// <param name="groupAtEvent">The event.</param>
    /// <returns>The typed view of the event.</returns>
    /// <exception cref="MitiContentException">The content does not fit <typeparamref name="TContent"/>.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static GroupAtEvent<TContent> ReadGroupAt<TContent>(GroupAtEvent groupAtEvent)
    {
        ArgumentNullException.ThrowIfNull(groupAtEvent);
        return new GroupAtEvent<TContent>(groupAtEvent, Read<TContent>(groupAtEvent));
    }

    private static TContent Read<TContent>(MessageEvent messageEvent)
    {
        JsonTypeInfo<TContent> info = GetTypeInfo<TContent>();
        string contentType = typeof(TContent).FullName ?? typeof(TContent).Name;
        TContent? content;
        try
        {
            content = messageEvent.Message.DeserializeContent(info); // from the content bytes: no JsonElement made for a typed handler
        }
        catch (JsonException ex)
        {
            throw new MitiContentException(messageEvent.EventId, messageEvent.Message.MsgType, contentType, ex.Path ?? "$", ReasonOf(ex));
        }

        return content ?? throw new MitiContentException(messageEvent.EventId, messageEvent.Message.MsgType, contentType, "$", "content is null");
    }

    /// <summary>The kind of failure, never content: STJ's messages name types and member names only for these two.</summary>
    private static string ReasonOf(JsonException exception)
    {
        const string MissingMarker = "missing required properties including: ";
        string message = exception.Message;
        int missing = message.IndexOf(MissingMarker, StringComparison.Ordinal);
        if (missing >= 0)
        {
            string names = message[(missing + MissingMarker.Length)..];
            int end = names.IndexOf('.', StringComparison.Ordinal);
            return "missing required member(s): " + (end >= 0 ? names[..end] : names).Replace("'", string.Empty, StringComparison.Ordinal);
        }

        return exception.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? "wrong JSON type or value"
            : "does not fit the type";
    }

    private static JsonSerializerOptions Build()
    {
        lock (Gate)
        {
            if (s_options is { } existing)
            {
                return existing;
            }

            var options = new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
                TypeInfoResolver = JsonTypeInfoResolver.Combine([MitiJsonContext.Default, .. s_resolvers]),
            };
            options.MakeReadOnly();
            Volatile.Write(ref s_options, options);
            return options;
        }
    }
}
