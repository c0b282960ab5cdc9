using Microsoft.Extensions.Logging;

namespace MitiAgent.Logging;

/// <summary>
/// Log messages of the <see cref="MitiLogCategories.Auth"/> category. Texts marked (ref) are the reference SDK's,
/// word for word (spec §9). Tokens and the app secret are never parameters.
/// </summary>
internal static partial class AuthLog
{
    /// <summary>(ref) <c>token acquired, expires_in=7200s</c>.</summary>
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "token acquired, expires_in={ExpiresIn}s")]
    public static partial void TokenAcquired(ILogger logger, int expiresIn);

    /// <summary>(ref) <c>auth token API error: code=... msg=...</c>.</summary>
    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "auth token API error: code={Code} msg={Msg}")]
    public static partial void TokenApiError(ILogger logger, int code, string? msg);

    /// <summary>(ref) <c>auto-refresh failed, will retry in Ns</c>.</summary>
    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "auto-refresh failed, will retry in {Seconds}s")]
    public static partial void AutoRefreshFailed(ILogger logger, double seconds, Exception? exception);

    /// <summary>A proactive refresh started (80 % of the lifetime passed).</summary>
    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "refreshing access token")]
    public static partial void RefreshStarted(ILogger logger);

    /// <summary>The server rejected the current token (10002, HTTP 401 or close 4001); it is dropped and replaced once.</summary>
    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "access token rejected by the server ({Source}), fetching a new one")]
    public static partial void TokenRejected(ILogger logger, string source);

    /// <summary>The token request failed in transport (no envelope).</summary>
    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "auth token request failed: http_status={HttpStatus}")]
    public static partial void TokenRequestFailed(ILogger logger, int? httpStatus, Exception? exception);
}
