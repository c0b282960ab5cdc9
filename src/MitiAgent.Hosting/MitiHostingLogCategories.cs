namespace MitiAgent.Hosting;

/// <summary>The logger category of the hosting layer (the client itself logs under <see cref="MitiLogCategories"/>).</summary>
public static class MitiHostingLogCategories
{
    /// <summary>
    /// Start, stop and fatal errors of the hosted agent, and the per-event logging scope (<c>MitiEventType</c>,
    /// <c>MitiEventId</c>) that every log written inside a handler carries.
    /// </summary>
    public const string Hosting = "MitiAgent.Hosting";
}
