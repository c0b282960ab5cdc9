using Microsoft.Extensions.Logging;

namespace MitiAgent;

/// <summary>Log messages about typed message content (event ids 2040–2049, category <see cref="MitiLogCategories.Gateway"/>). Never content.</summary>
internal static partial class ContentLog
{
    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "content does not fit the handler's type, event not handled: type={EventType} id={EventId} msg_type={MsgType} content_type={ContentType} path={Path} reason={Reason}")]
    public static partial void ContentRejected(ILogger logger, string eventType, string eventId, string msgType, string contentType, string path, string reason);
}
