using System.Globalization;
using System.Text;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// Settings of a Miti agent. Only <see cref="AppId"/> and <see cref="AppSecret"/> are required; every other
/// value has the default of the reference SDK or of the protocol. <see cref="ToString"/> never shows the secret.
/// </summary>
/// <remarks>
/// Where the connection settings come from, first match wins: the property when it is set (not blank), then the
/// environment variable (<c>MITI_APP_ID</c>, <c>MITI_APP_SECRET</c>, <c>MITI_API_BASE_URL</c>), then, for the base
/// URL only, the production URL <c>https://www.miti.chat/chat</c>.
/// </remarks>
public sealed class MitiAgentOptions
{
    /// <summary>The smallest allowed <see cref="StreamDeltaInterval"/> (spec §6.2: at most one delta per 50 ms per run).</summary>
    public static readonly TimeSpan MinStreamDeltaInterval = TimeSpan.FromMilliseconds(WireNames.Defaults.DeltaCoalesceMs);

    /// <summary>The environment variable read for the app id when <see cref="AppId"/> is unset or blank.</summary>
    public const string AppIdEnvironmentVariable = "MITI_APP_ID";

    /// <summary>The environment variable read for the app secret when <see cref="AppSecret"/> is unset or blank.</summary>
    public const string AppSecretEnvironmentVariable = "MITI_APP_SECRET";

    /// <summary>
    /// The app id, e.g. <c>cli_a1b2c3</c>. Required: when unset (or blank), the environment variable
    /// <c>MITI_APP_ID</c> is used.
    /// </summary>
    public string? AppId { get; set; }

    /// <summary>
    /// The app secret. Required: when unset (or blank), the environment variable <c>MITI_APP_SECRET</c> is used.
    /// Never logged, never shown by <see cref="ToString"/>.
    /// </summary>
    public string? AppSecret { get; set; }

    /// <summary>
    /// The base URL including its path prefix, e.g. <c>https://www.miti.chat/chat</c>. When unset (or blank), the
    /// environment variable <c>MITI_API_BASE_URL</c> and then the production URL are used (spec §1).
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>How many message handlers may run at once (spec §8, default 64).</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>
    /// How many accepted message events may wait for a free handler slot (default 16; 0 = none). An event goes to a
    /// free slot, else into this queue; only when every one of the <see cref="MaxConcurrency"/> slots runs a handler
    /// <b>and</b> the queue is full does it go to <c>[OnOverload]</c> (or is dropped). Nothing queues without bound.
    /// </summary>
    public int HandlerQueueCapacity { get; set; } = 16;

    /// <summary>How many <c>[OnOverload]</c> handlers may run at once when all <see cref="MaxConcurrency"/> slots are busy and <see cref="HandlerQueueCapacity"/> is full (default 4; 0 drops overflow at once).</summary>
    public int OverloadConcurrency { get; set; } = 4;

    /// <summary>Capacity of the queue of <c>assistant.cancel</c> events; further cancels are dropped with a warning when it is full (default 256).</summary>
    public int CancelQueueCapacity { get; set; } = 256;

    /// <summary>How long stopping waits for running handlers and pending final frames before cancelling them (default 30 s).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a blocking run stops gracefully on Ctrl+C / SIGTERM (default <see langword="true"/>).</summary>
    public bool RegisterSignals { get; set; } = true;

    /// <summary>How many recently handled <c>event_id</c>s are remembered to run each handler once (default 10 000).</summary>
    public int SeenEventCapacity { get; set; } = 10_000;

    /// <summary>How long a handled <c>event_id</c> is remembered (default 10 minutes).</summary>
    public TimeSpan SeenEventTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Event ids shared by every instance of the agent, so an event redelivered to another instance (its ack was lost)
    /// is handled once across all of them (default <see langword="null"/>: each instance dedupes on its own, see
    /// <see cref="SeenEventCapacity"/>). Claims last <see cref="SeenEventTtl"/>. <c>MitiAgent.Redis</c> provides one over Redis.
    /// </summary>
    public IEventDeduplicationStore? EventDeduplicationStore { get; set; }

    /// <summary>The smallest allowed <see cref="MaxInboundFrameBytes"/> (64 KiB): a smaller limit would skip ordinary events.</summary>
    public const int MinInboundFrameBytes = 64 * 1024;

    /// <summary>
    /// The largest gateway frame the client reads (default 1 MiB, at least <see cref="MinInboundFrameBytes"/>). A larger
    /// frame is read in chunks and thrown away as it arrives — never buffered whole — with one warning, and the
    /// connection goes on. The protocol sets no limit; 1 MiB holds a 20 000-character message even with every character
    /// JSON-escaped (at most about 240 KB) several times over.
    /// </summary>
    public int MaxInboundFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>How many times a REST send is retried after a transient failure (HTTP 5xx, 429, code 50000/10029) before the error reaches the caller (default 3).</summary>
    public int MaxSendRetries { get; set; } = 3;

    /// <summary>
    /// How long <see cref="MitiAgentClient.StartAsync"/> keeps retrying transient failures before it gives up with a
    /// <see cref="TimeoutException"/>; <see langword="null"/> (the default) retries until cancelled.
    /// </summary>
    public TimeSpan? StartupTimeout { get; set; }

    /// <summary>
    /// When the client is created without an <see cref="Microsoft.Extensions.Logging.ILoggerFactory"/>, write the SDK's
    /// warnings and errors to standard error, one line each (default <see langword="true"/>, like the reference SDK's
    /// logging fallback). Set to <see langword="false"/> for silence.
    /// </summary>
    public bool LogToStandardErrorWithoutLoggerFactory { get; set; } = true;

    /// <summary>How long one gateway dial (TCP, TLS, upgrade and <c>hello</c>) may take (default 15 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The minimum time between two delta frames of one run; deltas written faster are coalesced (default and minimum 50 ms).</summary>
    public TimeSpan StreamDeltaInterval { get; set; } = MinStreamDeltaInterval;

    /// <summary>
    /// Checks every setting. A credential that is unset here is looked up in its environment variable
    /// (<c>MITI_APP_ID</c>, <c>MITI_APP_SECRET</c>); the base URL's environment variable is checked when the client
    /// resolves it.
    /// </summary>
    /// <exception cref="MitiConfigurationException">A credential is missing or a value is out of range; the message names the setting and the rule, never a secret.</exception>
    public void Validate() => Validate(Environment.GetEnvironmentVariable);

    /// <summary><see cref="Validate()"/> with the environment read through <paramref name="getEnvironmentVariable"/>.</summary>
    internal void Validate(Func<string, string?> getEnvironmentVariable)
    {
        _ = ResolveCredentials(getEnvironmentVariable);

        RequireAtLeast(MaxConcurrency, 1, nameof(MaxConcurrency));
        RequireAtLeast(HandlerQueueCapacity, 0, nameof(HandlerQueueCapacity));
        RequireAtLeast(OverloadConcurrency, 0, nameof(OverloadConcurrency));
        RequireAtLeast(CancelQueueCapacity, 1, nameof(CancelQueueCapacity));
        RequireAtLeast(SeenEventCapacity, 1, nameof(SeenEventCapacity));
        RequireAtLeast(MaxSendRetries, 0, nameof(MaxSendRetries));
        RequireAtLeast(MaxInboundFrameBytes, MinInboundFrameBytes, nameof(MaxInboundFrameBytes));
        RequirePositive(SeenEventTtl, nameof(SeenEventTtl));
        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        if (StartupTimeout is { } startup)
        {
            RequirePositive(startup, nameof(StartupTimeout));
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            throw new MitiConfigurationException("MitiAgentOptions.ShutdownTimeout must not be negative.");
        }

        if (StreamDeltaInterval < MinStreamDeltaInterval)
        {
            throw new MitiConfigurationException(string.Create(
                CultureInfo.InvariantCulture,
                $"MitiAgentOptions.StreamDeltaInterval must be at least {MinStreamDeltaInterval.TotalMilliseconds} ms."));
        }

        if (!string.IsNullOrWhiteSpace(BaseUrl))
        {
            MitiEndpoints.Resolve(BaseUrl, static _ => null);
        }
    }

    /// <summary>Shows every setting; the secret appears as <c>***</c> (or <c>(unset)</c>), the base URL without query or user info.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder("MitiAgentOptions { ");
        builder.Append(CultureInfo.InvariantCulture, $"AppId = {AppId ?? "(unset)"}, ");
        builder.Append(CultureInfo.InvariantCulture, $"AppSecret = {(string.IsNullOrEmpty(AppSecret) ? "(unset)" : "***")}, ");
        builder.Append(CultureInfo.InvariantCulture, $"BaseUrl = {MitiEndpoints.Redact(BaseUrl)}, ");
        builder.Append(CultureInfo.InvariantCulture, $"MaxConcurrency = {MaxConcurrency}, ");
        builder.Append(CultureInfo.InvariantCulture, $"HandlerQueueCapacity = {HandlerQueueCapacity}, ");
        builder.Append(CultureInfo.InvariantCulture, $"OverloadConcurrency = {OverloadConcurrency}, ");
        builder.Append(CultureInfo.InvariantCulture, $"CancelQueueCapacity = {CancelQueueCapacity}, ");
        builder.Append(CultureInfo.InvariantCulture, $"ShutdownTimeout = {ShutdownTimeout}, ");
        builder.Append(CultureInfo.InvariantCulture, $"RegisterSignals = {RegisterSignals}, ");
        builder.Append(CultureInfo.InvariantCulture, $"SeenEventCapacity = {SeenEventCapacity}, ");
        builder.Append(CultureInfo.InvariantCulture, $"SeenEventTtl = {SeenEventTtl}, ");
        builder.Append(CultureInfo.InvariantCulture, $"EventDeduplicationStore = {(EventDeduplicationStore is { } store ? store.GetType().Name : "local")}, ");
        builder.Append(CultureInfo.InvariantCulture, $"MaxSendRetries = {MaxSendRetries}, ");
        builder.Append(CultureInfo.InvariantCulture, $"MaxInboundFrameBytes = {MaxInboundFrameBytes}, ");
        builder.Append(CultureInfo.InvariantCulture, $"ConnectTimeout = {ConnectTimeout}, ");
        builder.Append(CultureInfo.InvariantCulture, $"StartupTimeout = {(StartupTimeout is { } st ? st.ToString() : "none")}, ");
        builder.Append(CultureInfo.InvariantCulture, $"LogToStandardErrorWithoutLoggerFactory = {LogToStandardErrorWithoutLoggerFactory}, ");
        builder.Append(CultureInfo.InvariantCulture, $"StreamDeltaInterval = {StreamDeltaInterval} }}");
        return builder.ToString();
    }

    /// <summary>
    /// The credentials in use: each property when set (not blank), else its environment variable.
    /// </summary>
    /// <exception cref="MitiConfigurationException">Neither is set; the message names both places.</exception>
    internal (string AppId, string AppSecret) ResolveCredentials(Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        string appId = FirstNonBlank(AppId, getEnvironmentVariable(AppIdEnvironmentVariable))
            ?? throw new MitiConfigurationException($"AppId is required: set MitiAgentOptions.AppId or {AppIdEnvironmentVariable}.");
        string appSecret = FirstNonBlank(AppSecret, getEnvironmentVariable(AppSecretEnvironmentVariable))
            ?? throw new MitiConfigurationException($"AppSecret is required: set MitiAgentOptions.AppSecret or {AppSecretEnvironmentVariable}.");
        return (appId, appSecret);
    }

    private static string? FirstNonBlank(string? configured, string? fromEnvironment) =>
        !string.IsNullOrWhiteSpace(configured) ? configured
        : !string.IsNullOrWhiteSpace(fromEnvironment) ? fromEnvironment
        : null;

    private static void RequireAtLeast(int value, int minimum, string name)
    {
        if (value < minimum)
        {
            throw new MitiConfigurationException(string.Create(
                CultureInfo.InvariantCulture,
                $"MitiAgentOptions.{name} must be at least {minimum} (was {value})."));
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new MitiConfigurationException($"MitiAgentOptions.{name} must be greater than zero.");
        }
    }
}
