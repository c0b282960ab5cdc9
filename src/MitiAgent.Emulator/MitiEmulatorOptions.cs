namespace MitiAgent.Emulator;

/// <summary>Settings of a <see cref="MitiEmulator"/>.</summary>
public sealed class MitiEmulatorOptions
{
    /// <summary>
    /// Where Kestrel listens. Default <c>http://127.0.0.1:0</c> (a free loopback port, for tests);
    /// the emulator program uses <c>http://localhost:10006</c>.
    /// </summary>
    public string ListenUrl { get; set; } = "http://127.0.0.1:0";

    /// <summary>Path prefix of the Miti API (the reference's base URL ends in <c>/chat</c>).</summary>
    public string PathBase { get; set; } = "/chat";

    /// <summary>The clock for token expiry, ack timeouts, rate limits and reconnect grace periods.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary><c>hello.ping_interval_ms</c> sent to agents.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromMilliseconds(Protocol.WireNames.Defaults.PingIntervalMs);

    /// <summary><c>hello.ack_timeout_ms</c>: un-acked events are redelivered after this long.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromMilliseconds(Protocol.WireNames.Defaults.AckTimeoutMs);

    /// <summary>How many times one event is delivered at most before it is given up (first delivery included).</summary>
    public int MaxDeliveryAttempts { get; set; } = 10;

    /// <summary>Open gateway connections allowed per app; the next handshake gets HTTP 429.</summary>
    public int MaxConnectionsPerApp { get; set; } = Protocol.WireNames.Defaults.MaxConnectionsPerApp;

    /// <summary><c>Retry-After</c> sent with a 429 for too many connections.</summary>
    public TimeSpan ConnectionLimitRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After a <c>reconnect</c> frame, the connection is closed (1000) this long later unless told otherwise.</summary>
    public TimeSpan ReconnectGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest accepted gateway frame (bytes); larger frames close the connection with 1009.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// <c>messages/send</c> accepts <c>msg_type</c>s other than the spec's five (an app's own types: cards, forms, tool
    /// results) with any JSON object as content, as a platform that passes them through would. Default
    /// <see langword="false"/>: only <c>text</c>, <c>at_text</c>, <c>image</c>, <c>multimodal</c> and <c>stream_full</c>.
    /// </summary>
    public bool AllowCustomMsgTypes { get; set; }

    /// <summary>Apps registered at start.</summary>
    public IList<EmulatorApp> Apps { get; } = new List<EmulatorApp>();
}
