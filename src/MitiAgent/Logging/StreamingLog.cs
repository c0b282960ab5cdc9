using Microsoft.Extensions.Logging;

namespace MitiAgent;

/// <summary>
/// Log messages of <see cref="MessageEventStreamingExtensions"/> (category <see cref="MitiLogCategories.Gateway"/>,
/// event ids 2050–2059). Never content: only ids, codes and exception types.
/// </summary>
internal static partial class StreamingLog
{
    /// <summary>The token source of a streamed answer threw; the stream was failed with <paramref name="code"/>.</summary>
    [LoggerMessage(EventId = 2050, Level = LogLevel.Warning, Message = "streamed answer source failed, stream failed with code={Code}: id={EventId} run_id={RunId} error={ErrorType}")]
    public static partial void SourceFailed(ILogger logger, string code, string eventId, string runId, string errorType, Exception exception);
}
