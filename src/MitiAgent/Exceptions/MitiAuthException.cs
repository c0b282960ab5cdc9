using System.Globalization;

namespace MitiAgent;

/// <summary>
/// Authentication failed for good: invalid <c>app_id</c>/<c>app_secret</c> (code 10001), app disabled
/// (10004, HTTP 403, close code 4003), or an access token rejected twice in a row (10002).
/// These are never retried (spec §2, §3).
/// </summary>
public sealed class MitiAuthException : MitiException
{
    /// <summary>Creates the exception from the server's answer.</summary>
    /// <param name="code">The envelope <c>code</c> (see <see cref="MitiAgent.Protocol.WireNames.Codes"/>).</param>
    /// <param name="msg">The envelope <c>msg</c>, as the server sent it.</param>
    public MitiAuthException(int code, string? msg)
        : this(code, msg, null)
    {
    }

    /// <summary>Creates the exception from the server's answer, with its cause.</summary>
    /// <param name="code">The envelope <c>code</c> (see <see cref="MitiAgent.Protocol.WireNames.Codes"/>).</param>
    /// <param name="msg">The envelope <c>msg</c>, as the server sent it.</param>
    /// <param name="innerException">The cause.</param>
    public MitiAuthException(int code, string? msg, Exception? innerException)
        : base(string.Create(CultureInfo.InvariantCulture, $"Miti authentication failed: code={code} msg={msg}"), innerException)
    {
        Code = code;
        Msg = msg;
    }

    /// <summary>The envelope <c>code</c>, e.g. 10001.</summary>
    public int Code { get; }

    /// <summary>The envelope <c>msg</c>.</summary>
    public string? Msg { get; }
}
