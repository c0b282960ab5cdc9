using System.Globalization;

namespace MitiAgent;

/// <summary>
/// A REST call was answered with an error: an envelope <c>code</c> other than 0, or an HTTP error status
/// (spec §2). Parameter (10003), permission (10012) and not-found (10013) errors reach the caller at once;
/// transient ones only after the SDK's retries are exhausted.
/// </summary>
public class MitiApiException : MitiException
{
    /// <summary>Creates the exception from the server's answer.</summary>
    /// <param name="code">The envelope <c>code</c>, or 0 when the response had no envelope.</param>
    /// <param name="msg">The envelope <c>msg</c>.</param>
    /// <param name="httpStatus">The HTTP status code, when known.</param>
    public MitiApiException(int code, string? msg, int? httpStatus = null)
        : this(code, msg, httpStatus, null)
    {
    }

    /// <summary>Creates the exception from the server's answer, with its cause.</summary>
    /// <param name="code">The envelope <c>code</c>, or 0 when the response had no envelope.</param>
    /// <param name="msg">The envelope <c>msg</c>.</param>
    /// <param name="httpStatus">The HTTP status code, when known.</param>
    /// <param name="innerException">The cause.</param>
    public MitiApiException(int code, string? msg, int? httpStatus, Exception? innerException)
        : this(FormatMessage(code, msg, httpStatus), code, msg, httpStatus, innerException)
    {
    }

    /// <summary>For derived exceptions that word their own message.</summary>
    /// <param name="message">The exception message (must not contain secrets).</param>
    /// <param name="code">The envelope <c>code</c>.</param>
    /// <param name="msg">The envelope <c>msg</c>.</param>
    /// <param name="httpStatus">The HTTP status code, when known.</param>
    /// <param name="innerException">The cause.</param>
    protected MitiApiException(string message, int code, string? msg, int? httpStatus, Exception? innerException)
        : base(message, innerException)
    {
        Code = code;
        Msg = msg;
        HttpStatus = httpStatus;
    }

    /// <summary>The envelope <c>code</c> (see <see cref="MitiAgent.Protocol.WireNames.Codes"/>), or 0 when the response had no envelope.</summary>
    public int Code { get; }

    /// <summary>The envelope <c>msg</c>.</summary>
    public string? Msg { get; }

    /// <summary>The HTTP status code, when known.</summary>
    public int? HttpStatus { get; }

    /// <summary>The longest server <c>msg</c> quoted in <see cref="Exception.Message"/>; <see cref="Msg"/> keeps all of it.</summary>
    internal const int MaxQuotedMsgLength = 200;

    /// <summary><paramref name="msg"/>, cut to <see cref="MaxQuotedMsgLength"/> characters (a server may answer anything).</summary>
    internal static string? Quote(string? msg) =>
        msg is { Length: > MaxQuotedMsgLength }
            ? string.Create(CultureInfo.InvariantCulture, $"{msg.AsSpan(0, MaxQuotedMsgLength)}... ({msg.Length} characters)")
            : msg;

    private static string FormatMessage(int code, string? rawMsg, int? httpStatus)
    {
        string? msg = Quote(rawMsg);
        return httpStatus is { } status
            ? string.Create(CultureInfo.InvariantCulture, $"Miti API error: code={code} msg={msg} http_status={status}")
            : string.Create(CultureInfo.InvariantCulture, $"Miti API error: code={code} msg={msg}");
    }
}
