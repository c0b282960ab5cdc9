using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MitiAgent.Internal;
using MitiAgent.Logging;

namespace MitiAgent.Tests;

/// <summary>
/// The SDK's log messages, written directly through its loggers: the framework's <see cref="FakeLogCollector"/> is
/// enough here (one thread, no scopes, no emulator sharing the factory), unlike the integration tests' shared kit.
/// </summary>
public class LoggingTests
{
    private static (FakeLogCollector Logs, MitiLoggers Loggers) Create()
    {
        var logs = new FakeLogCollector();
        return (logs, new MitiLoggers(new CapturingLoggerFactory(new FakeLoggerProvider(logs))));
    }

    [Fact]
    public void Reference_texts_are_rendered_word_for_word_in_their_categories()
    {
        (FakeLogCollector logs, MitiLoggers log) = Create();

        AuthLog.TokenAcquired(log.Auth, 7200);
        AuthLog.TokenApiError(log.Auth, 10001, "invalid app_id");
        AuthLog.AutoRefreshFailed(log.Auth, 4, null);
        GatewayLog.Connecting(log.Gateway, new Uri("wss://www.miti.chat/chat/agent/gateway"));
        GatewayLog.Connected(log.Gateway);
        GatewayLog.ConnectionLost(log.Gateway);
        GatewayLog.Reconnecting(log.Gateway, Backoff.ToLogSeconds(TimeSpan.FromMilliseconds(1500)));
        GatewayLog.EventReceived(log.Gateway, "im.message.receive", "evt-xxx");
        GatewayLog.NoHandler(log.Gateway, "im.message.group_at");
        MessageLog.SendSuccess(log.Message, "u_abc123", "msg-90bc");
        MessageLog.SendApiError(log.Message, 10012, "no permission");

        (string Category, string Text)[] expected =
        [
            ("MitiAgent.Auth", "token acquired, expires_in=7200s"),
            ("MitiAgent.Auth", "auth token API error: code=10001 msg=invalid app_id"),
            ("MitiAgent.Auth", "auto-refresh failed, will retry in 4s"),
            ("MitiAgent.Gateway", "connecting to wss://www.miti.chat/chat/agent/gateway"),
            ("MitiAgent.Gateway", "gateway connected"),
            ("MitiAgent.Gateway", "gateway connection lost"),
            ("MitiAgent.Gateway", "reconnecting in 1.5s"),
            ("MitiAgent.Gateway", "event received: type=im.message.receive id=evt-xxx"),
            ("MitiAgent.Gateway", "no handler for event_type im.message.group_at"),
            ("MitiAgent.Message", "send_message success: target=u_abc123 message_id=msg-90bc"),
            ("MitiAgent.Message", "send_message API error: code=10012 msg=no permission"),
        ];
        Assert.Equal(expected, logs.GetSnapshot().Select(e => (e.Category ?? "", e.Message)).ToArray());
    }

    [Fact]
    public void Runtime_messages_render_ids_and_reasons()
    {
        (FakeLogCollector logs, MitiLoggers log) = Create();
        var failure = new InvalidOperationException("boom");

        GatewayLog.MalformedFrameSkipped(log.Gateway, "event", "evt-1", "missing header.event_type");
        GatewayLog.HandlerFailed(log.Gateway, "im.message.receive", "evt-2", failure);
        GatewayLog.OverloadDropped(log.Gateway, "im.message.receive", "evt-3");
        GatewayLog.Overloaded(log.Gateway, 64, "im.message.receive", "evt-4");
        GatewayLog.CancelQueueFull(log.Gateway, 256, "evt-5", "run-1");
        GatewayLog.DuplicateEvent(log.Gateway, "im.message.receive", "evt-6");
        GatewayLog.ClosedByServer(log.Gateway, 4001, "token revoked");
        GatewayLog.LivenessTimeout(log.Gateway, 60_000);
        MessageLog.StreamFrameRetry(log.Message, "aevt-9", "run-1", 2);
        MessageLog.StreamFrameTimedOut(log.Message, 5, "aevt-9", "run-1");
        AuthLog.TokenRejected(log.Auth, "code 10002");

        string[] texts = [.. logs.GetSnapshot().Select(e => e.Message)];
        Assert.Equal(
            [
                "malformed frame skipped: type=event event_id=evt-1 reason=missing header.event_type",
                "handler failed: type=im.message.receive id=evt-2",
                "overloaded, event dropped: type=im.message.receive id=evt-3",
                "all 64 handler slots busy, event sent to the overload handler: type=im.message.receive id=evt-4",
                "cancel queue full (256), cancel event dropped: id=evt-5 run_id=run-1",
                "duplicate event skipped: type=im.message.receive id=evt-6",
                "gateway closed by server: code=4001 reason=token revoked",
                "no frame received for 60000ms, aborting the connection",
                "stream frame not acked, resending: event_id=aevt-9 run_id=run-1 attempt=2",
                "stream frame not acked after 5 attempts: event_id=aevt-9 run_id=run-1",
                "access token rejected by the server (code 10002), fetching a new one",
            ],
            texts);
        FakeLogRecord handlerFailed = logs.GetSnapshot().Single(e => e.Message.StartsWith("handler failed", StringComparison.Ordinal));
        Assert.Same(failure, handlerFailed.Exception);
        Assert.Equal(LogLevel.Error, handlerFailed.Level);
    }

    [Fact]
    public void Levels_follow_the_spec_and_content_is_trace_only()
    {
        (FakeLogCollector logs, MitiLoggers log) = Create();
        MessageLog.SendContent(log.Message, "text", "{\"text\":\"private\"}");
        GatewayLog.EventPayload(log.Gateway, "evt-1", "{}");
        AuthLog.TokenAcquired(log.Auth, 5);
        IReadOnlyList<FakeLogRecord> entries = logs.GetSnapshot();
        Assert.Equal(LogLevel.Trace, entries[0].Level);
        Assert.Equal(LogLevel.Trace, entries[1].Level);
        Assert.Equal(LogLevel.Information, entries[2].Level);
        Assert.All(entries, e => Assert.NotEqual(0, e.Id.Id));
    }

    [Fact]
    public void Null_loggers_accept_everything()
    {
        AuthLog.TokenAcquired(MitiLoggers.Null.Auth, 1);
        GatewayLog.Connected(new MitiLoggers(null).Gateway);
        Assert.Equal("MitiAgent.Message", MitiLogCategories.Message);
    }
}
