using System.Text.Json;
using Microsoft.Extensions.Logging;
using MitiAgent.Events;
using MitiAgent.Gateway;
using MitiAgent.Logging;
using MitiAgent.Protocol;
using MitiAgent.Rest;

namespace MitiAgent.Streaming;

/// <summary>
/// How the client's events answer: REST sends and history through <see cref="MitiRestClient"/>, delta frames queued
/// on the open gateway socket, terminal frames through <see cref="TerminalFrameSender"/>.
/// </summary>
internal sealed class GatewayReplyTransport : IEventReplySink
{
    private readonly MitiRestClient _rest;
    private readonly TerminalFrameSender _terminalFrames;
    private readonly Func<GatewaySession?> _session;
    private readonly ILogger _log;

    /// <param name="rest">Sends and reads history.</param>
    /// <param name="terminalFrames">Sends terminal stream frames until acked.</param>
    /// <param name="session">The client's running session, or <see langword="null"/> when it is not running.</param>
    /// <param name="time">The clock for delta coalescing.</param>
    /// <param name="streamDeltaInterval"><see cref="MitiAgentOptions.StreamDeltaInterval"/>.</param>
    /// <param name="messageLogger">The <c>MitiAgent.Message</c> logger.</param>
    public GatewayReplyTransport(MitiRestClient rest, TerminalFrameSender terminalFrames, Func<GatewaySession?> session, TimeProvider time, TimeSpan streamDeltaInterval, ILogger messageLogger)
    {
        _rest = rest;
        _terminalFrames = terminalFrames;
        _session = session;
        TimeProvider = time;
        StreamDeltaInterval = streamDeltaInterval;
        _log = messageLogger;
    }

    public TimeProvider TimeProvider { get; }

    public TimeSpan StreamDeltaInterval { get; }

    public Task<SendMessageData> SendMessageAsync(SendMessageRequest request, CancellationToken cancellationToken) =>
        _rest.SendAsync(request, cancellationToken);

    public bool TrySendStreamDelta(StreamFrame frame)
    {
        if (_session()?.Current is not { } socket)
        {
            MessageLog.StreamDeltaDropped(_log, frame.RunId, frame.Seq);
            return false;
        }

        return socket.TrySend(JsonSerializer.SerializeToUtf8Bytes(frame, MitiJsonContext.Default.StreamFrame));
    }

    public Task SendTerminalStreamFrameAsync(StreamFrame frame, CancellationToken cancellationToken) =>
        _terminalFrames.SendAsync(frame, cancellationToken);

    public Task<HistoryPage> GetHistoryAsync(string conversationId, int limit, CancellationToken cancellationToken) =>
        _rest.GetHistoryPageAsync(conversationId, limit, cancellationToken);
}
