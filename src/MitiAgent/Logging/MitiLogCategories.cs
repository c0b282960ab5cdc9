using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MitiAgent;

/// <summary>
/// The logger categories of the SDK (spec §9), the .NET form of the reference's
/// <c>miti_agent_sdk.auth|gateway|message</c>. Use them in logging filters.
/// </summary>
public static class MitiLogCategories
{
    /// <summary>Access tokens: acquisition, refresh, rejection.</summary>
    public const string Auth = "MitiAgent.Auth";

    /// <summary>The gateway connection and event dispatch.</summary>
    public const string Gateway = "MitiAgent.Gateway";

    /// <summary>Outbound messages, streams and history.</summary>
    public const string Message = "MitiAgent.Message";
}

/// <summary>The three category loggers of one SDK instance.</summary>
internal sealed class MitiLoggers
{
    /// <summary>Loggers that write nothing.</summary>
    public static readonly MitiLoggers Null = new(NullLoggerFactory.Instance);

    public MitiLoggers(ILoggerFactory? loggerFactory)
    {
        ILoggerFactory factory = loggerFactory ?? NullLoggerFactory.Instance;
        Auth = factory.CreateLogger(MitiLogCategories.Auth);
        Gateway = factory.CreateLogger(MitiLogCategories.Gateway);
        Message = factory.CreateLogger(MitiLogCategories.Message);
    }

    /// <summary><see cref="MitiLogCategories.Auth"/>.</summary>
    public ILogger Auth { get; }

    /// <summary><see cref="MitiLogCategories.Gateway"/>.</summary>
    public ILogger Gateway { get; }

    /// <summary><see cref="MitiLogCategories.Message"/>.</summary>
    public ILogger Message { get; }
}
