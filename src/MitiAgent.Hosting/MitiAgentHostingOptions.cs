namespace MitiAgent.Hosting;

/// <summary>
/// How <c>AddMitiAgent&lt;TAgent&gt;()</c> wires the agent into the host. The values are read once, when
/// <c>AddMitiAgent</c> is called (later changes to the object have no effect).
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddMitiAgent&lt;EchoAgent&gt;(new MitiAgentHostingOptions
/// {
///     Lifetime = MitiAgentLifetime.Singleton,
///     ConfigurationSectionPath = "Bots:Echo",
///     WaitForConnection = false,          // a web app that should not wait for Miti to start
/// });
/// </code>
/// </example>
public sealed class MitiAgentHostingOptions
{
    /// <summary>The configuration section read by default: <c>Miti</c> (keys <c>Miti:AppId</c>, <c>Miti:AppSecret</c>, ...).</summary>
    public const string DefaultConfigurationSectionPath = "Miti";

    /// <summary>How the agent is resolved (default <see cref="MitiAgentLifetime.Scoped"/>: a DI scope per event).</summary>
    public MitiAgentLifetime Lifetime { get; set; } = MitiAgentLifetime.Scoped;

    /// <summary>
    /// The configuration section that <see cref="MitiAgentOptions"/> are read from (default <c>Miti</c>; nested sections
    /// use <c>:</c>, e.g. <c>Bots:Echo</c>). <see langword="null"/> or empty reads no configuration: only code configures
    /// the options.
    /// </summary>
    public string? ConfigurationSectionPath { get; set; } = DefaultConfigurationSectionPath;

    /// <summary>
    /// Whether the host's start waits until the agent is connected (the gateway said <c>hello</c>); default
    /// <see langword="true"/>, so bad credentials fail the host's <c>StartAsync</c> with a <see cref="MitiAuthException"/>.
    /// Set it to <see langword="false"/> when other hosted services (a web server) should not wait for Miti: the agent
    /// then connects in the background, its health check reports <c>Degraded</c> until it is connected, and a fatal error
    /// is handled as <see cref="StopApplicationOnFatalError"/> says.
    /// </summary>
    public bool WaitForConnection { get; set; } = true;

    /// <summary>
    /// What happens when the agent stops by a fatal error after the host has started (app disabled, secret rotated, bad
    /// credentials with <see cref="WaitForConnection"/> off). <see langword="true"/> (default): the error is logged as
    /// critical, <see cref="Environment.ExitCode"/> is set to 1 (if it is still 0) and the application is stopped, so a
    /// supervisor (systemd, Kubernetes, a Windows service manager) sees a failed process. <see langword="false"/>: the
    /// error is logged, the application keeps running and the health check reports the failure.
    /// </summary>
    public bool StopApplicationOnFatalError { get; set; } = true;

    /// <summary>Shows every setting.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() =>
        $"MitiAgentHostingOptions {{ Lifetime = {Lifetime}, ConfigurationSectionPath = {ConfigurationSectionPath ?? "(none)"}, WaitForConnection = {WaitForConnection}, StopApplicationOnFatalError = {StopApplicationOnFatalError} }}";

    internal MitiAgentHostingOptions Clone() => new()
    {
        Lifetime = Lifetime,
        ConfigurationSectionPath = ConfigurationSectionPath,
        WaitForConnection = WaitForConnection,
        StopApplicationOnFatalError = StopApplicationOnFatalError,
    };

    internal bool SameAs(MitiAgentHostingOptions other) =>
        Lifetime == other.Lifetime
        && string.Equals(ConfigurationSectionPath ?? string.Empty, other.ConfigurationSectionPath ?? string.Empty, StringComparison.OrdinalIgnoreCase)
        && WaitForConnection == other.WaitForConnection
        && StopApplicationOnFatalError == other.StopApplicationOnFatalError;
}
