using System.Globalization;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// The server kept answering HTTP 429 / code 10029 after the SDK's bounded retries (spec §2).
/// <see cref="RetryAfter"/> is the server's last <c>Retry-After</c> hint.
/// </summary>
public sealed class MitiRateLimitedException : MitiApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="retryAfter">The server's last <c>Retry-After</c>, when it sent one.</param>
    /// <param name="msg">The envelope <c>msg</c>, when there was an envelope.</param>
    public MitiRateLimitedException(TimeSpan? retryAfter, string? msg = null)
        : base(FormatMessage(retryAfter), WireNames.Codes.RateLimited, msg, 429, null)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long the server asked the client to wait, when it said so.</summary>
    public TimeSpan? RetryAfter { get; }

    private static string FormatMessage(TimeSpan? retryAfter) =>
        retryAfter is { } wait
            ? string.Create(CultureInfo.InvariantCulture, $"Miti API rate limited: retry after {wait.TotalSeconds:0.###}s")
            : "Miti API rate limited";
}
