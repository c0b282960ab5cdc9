namespace MitiAgent.Protocol;

/// <summary>
/// Every string constant of the Miti wire protocol (paths, frame types, event types, message types,
/// error codes). The SDK and the emulator both read them from here, so a protocol change is one edit.
/// </summary>
public static class WireNames
{
    // Client-side settings, not wire names: only the SDK reads them (internal; MitiAgent sees them through
    // InternalsVisibleTo, being the same package).

    /// <summary>The default production base URL (spec §1).</summary>
    internal const string DefaultBaseUrl = "https://www.miti.chat/chat";

    /// <summary>The environment variable that overrides the base URL (spec §1).</summary>
    internal const string BaseUrlEnvironmentVariable = "MITI_API_BASE_URL";

    /// <summary>REST and WebSocket paths, relative to the base URL.</summary>
    public static class Paths
    {
        /// <summary><c>POST</c>: issue an access token (spec §3).</summary>
        public const string Token = "/agent/v1/auth/token";

        /// <summary><c>GET</c> (WebSocket upgrade): the gateway (spec §4).</summary>
        public const string Gateway = "/agent/gateway";

        /// <summary><c>POST</c>: send a message (spec §6.1).</summary>
        public const string SendMessage = "/agent/v1/messages/send";

        /// <summary><c>GET</c>: conversation history, with the conversation id in place of <c>{0}</c> (spec §7).</summary>
        public const string HistoryFormat = "/agent/v1/conversations/{0}/messages";

        /// <summary>
        /// <c>GET</c>: conversation history as a route template with a <c>{conversationId}</c> parameter (spec §7), the
        /// form a server maps (the emulator does).
        /// </summary>
        public const string HistoryRoute = "/agent/v1/conversations/{conversationId}/messages";

        /// <summary>Builds the history path for a conversation (the id is URL-escaped).</summary>
        public static string History(string conversationId) =>
            "/agent/v1/conversations/" + Uri.EscapeDataString(conversationId) + "/messages";
    }

    /// <summary>Values of the gateway frames' <c>type</c> member (spec §4.1, §4.2).</summary>
    public static class FrameTypes
    {
        /// <summary>Server → agent, first frame on every connection.</summary>
        public const string Hello = "hello";
        /// <summary>Server → agent, an event to handle and ack.</summary>
        public const string Event = "event";
        /// <summary>Both directions: acknowledges an event (agent) or a terminal stream frame (server).</summary>
        public const string Ack = "ack";
        /// <summary>Agent → server keepalive.</summary>
        public const string Ping = "ping";
        /// <summary>Server → agent answer to <see cref="Ping"/>.</summary>
        public const string Pong = "pong";
        /// <summary>Server → agent: open a new connection, this one closes soon.</summary>
        public const string Reconnect = "reconnect";
        /// <summary>Agent → server streaming reply frame.</summary>
        public const string Stream = "stream";
    }

    /// <summary>Values of <c>header.event_type</c> (spec §5).</summary>
    public static class EventTypes
    {
        /// <summary>A direct message to the agent.</summary>
        public const string MessageReceive = "im.message.receive";
        /// <summary>An @mention of the agent in a group.</summary>
        public const string GroupAt = "im.message.group_at";
        /// <summary>The user stopped a running answer.</summary>
        public const string AssistantCancel = "assistant.cancel";
    }

    /// <summary>Known <c>msg_type</c> values (spec §5, §6.1).</summary>
    public static class MsgTypes
    {
        /// <summary><c>{"text"}</c></summary>
        public const string Text = "text";
        /// <summary><c>{"text", "atUserList"}</c></summary>
        public const string AtText = "at_text";
        /// <summary><c>{"images": [...]}</c></summary>
        public const string Image = "image";
        /// <summary><c>{"text", "images": [...]}</c></summary>
        public const string Multimodal = "multimodal";
        /// <summary><c>{"markdown", "ask_msg_id", "finished"}</c>: a complete markdown answer (Miti content type 125).</summary>
        public const string StreamFull = "stream_full";
    }

    /// <summary>Values of a stream frame's <c>state</c> (spec §6.2).</summary>
    public static class StreamStates
    {
        /// <summary>An incremental, un-acked piece of the answer.</summary>
        public const string Delta = "delta";
        /// <summary>Terminal: the whole answer.</summary>
        public const string Completed = "completed";
        /// <summary>Terminal: the run failed.</summary>
        public const string Failed = "failed";

        /// <summary>Whether <paramref name="state"/> is a terminal (acked) state.</summary>
        public static bool IsTerminal(string? state) => state is Completed or Failed;
    }

    /// <summary>Values of a history message's <c>role</c> (spec §7).</summary>
    public static class Roles
    {
        /// <summary>A message written by a user.</summary>
        public const string User = "user";
        /// <summary>A message written by the agent.</summary>
        public const string Assistant = "assistant";
    }

    /// <summary>Envelope <c>code</c> values (spec §2).</summary>
    public static class Codes
    {
        /// <summary>Success.</summary>
        public const int Ok = 0;
        /// <summary>Invalid app_id / app_secret (fatal).</summary>
        public const int InvalidCredentials = 10001;
        /// <summary>Access token invalid or expired.</summary>
        public const int InvalidToken = 10002;
        /// <summary>Invalid parameter.</summary>
        public const int InvalidParameter = 10003;
        /// <summary>App disabled (fatal).</summary>
        public const int AppDisabled = 10004;
        /// <summary>No permission.</summary>
        public const int NoPermission = 10012;
        /// <summary>Target user/group/conversation not found.</summary>
        public const int NotFound = 10013;
        /// <summary>Rate limited.</summary>
        public const int RateLimited = 10029;
        /// <summary>Internal error (transient).</summary>
        public const int InternalError = 50000;
    }

    /// <summary>WebSocket close codes used by the gateway (spec §4.3).</summary>
    public static class CloseCodes
    {
        /// <summary>Normal closure.</summary>
        public const int Normal = 1000;
        /// <summary>Going away (server restart).</summary>
        public const int GoingAway = 1001;
        /// <summary>The token this connection was opened with was revoked.</summary>
        public const int TokenRevoked = 4001;
        /// <summary>The app is disabled (fatal).</summary>
        public const int AppDisabled = 4003;
        /// <summary>The agent sent a malformed frame.</summary>
        public const int MalformedFrame = 4400;
        /// <summary>Too many connections for this app.</summary>
        public const int TooManyConnections = 4429;
    }

    /// <summary>Protocol defaults (spec §4.1, §6, §7).</summary>
    public static class Defaults
    {
        /// <summary><c>hello.ping_interval_ms</c> default.</summary>
        public const int PingIntervalMs = 30_000;
        /// <summary><c>hello.ack_timeout_ms</c> default.</summary>
        public const int AckTimeoutMs = 5_000;
        /// <summary>Maximum simultaneous gateway connections per app.</summary>
        public const int MaxConnectionsPerApp = 50;
        /// <summary>Maximum length of <c>text</c> / <c>markdown</c> content.</summary>
        public const int MaxTextLength = 20_000;
        /// <summary>Default history page size.</summary>
        public const int HistoryDefaultLimit = 20;
        /// <summary>Smallest accepted history limit.</summary>
        public const int HistoryMinLimit = 1;
        /// <summary>Largest accepted history limit.</summary>
        public const int HistoryMaxLimit = 100;
        /// <summary>Attempts for a terminal stream frame before the agent reports a timeout (the SDK's side only).</summary>
        internal const int TerminalFrameAttempts = 5;
        /// <summary>Minimum interval between two delta frames of one run (the SDK's side only).</summary>
        internal const int DeltaCoalesceMs = 50;
    }
}
