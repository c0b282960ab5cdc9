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
