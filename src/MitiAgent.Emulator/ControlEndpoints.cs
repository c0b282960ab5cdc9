using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

/// <summary>
/// The HTTP control API under <c>/_emulator</c>: the same operations as <see cref="MitiEmulator"/>'s C# API, for
/// tools, scripts and the chat page. JSON is readable UTF-8. Bad input answers 400 with the spec's envelope
/// <c>{"code": 10003, "msg": "app_id is required", "data": null}</c>.
/// </summary>
internal static class ControlEndpoints
{
    public const string Prefix = "/_emulator";
    private static readonly EmulatorJsonContext Json = EmulatorJsonContext.Readable;
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    public static void MapControlApi(WebApplication app, MitiEmulator emulator)
    {
        var c = app.MapGroup(Prefix);

        // ---- registration
        c.MapGet("/apps", ctx => Write(ctx, emulator.Apps.Select(a => new AppView(a.AppId, a.Name, (int)a.TokenLifetime.TotalSeconds, a.Disabled)).ToArray(), Json.AppViewArray));
        Post(c, "/apps", Json.AppBody, (b, _) =>
        {
            var app = new EmulatorApp(Required(b.AppId, "app_id"), Required(b.AppSecret, "app_secret"))
            {
                Name = b.Name,
                Disabled = b.Disabled,
                TokenLifetime = b.TokenLifetimeSeconds is int s ? TimeSpan.FromSeconds(s) : TimeSpan.FromHours(2),
                SendRateLimit = b.SendRateLimit is int limit ? new SendRateLimit(limit, TimeSpan.FromMilliseconds(b.SendRateWindowMs ?? 1000)) : null,
            };
            emulator.RegisterApp(app);
            return Ok();
        });
        Post(c, "/apps/disable", Json.FaultBody, (b, _) => { emulator.SetAppDisabled(Required(b.AppId, "app_id"), true); return Ok(); });
        Post(c, "/apps/enable", Json.FaultBody, (b, _) => { emulator.SetAppDisabled(Required(b.AppId, "app_id"), false); return Ok(); });
        Post(c, "/users", Json.UserBody, (b, _) => { emulator.RegisterUser(Required(b.UserId, "user_id"), b.Name); return Ok(); });
        Post(c, "/groups", Json.GroupBody, (b, _) =>
        {
            emulator.RegisterGroup(Required(b.GroupId, "group_id"), b.Name, b.MemberIds ?? [], b.AgentAppIds ?? []);
            return Ok();
        });
        Post(c, "/blocks", Json.BlockBody, (b, _) => { emulator.BlockAgent(Required(b.UserId, "user_id"), Required(b.AppId, "app_id"), b.Blocked); return Ok(); });

        // ---- injection
        PostInject(c, "/inject/message", b => b.Content is { } content
            ? emulator.InjectMessage(Required(b.AppId, "app_id"), Required(b.UserId, "user_id"), b.MsgType ?? WireNames.MsgTypes.Text, content, b.UserName)
            : emulator.InjectMessage(Required(b.AppId, "app_id"), Required(b.UserId, "user_id"), Required(b.Text, "text"), b.UserName));
        PostInject(c, "/inject/group-at", b => b.Content is { } content
            ? emulator.InjectGroupAt(Required(b.AppId, "app_id"), Required(b.GroupId, "group_id"), Required(b.UserId, "user_id"), b.MsgType ?? WireNames.MsgTypes.AtText, content, b.UserName)
            : emulator.InjectGroupAt(Required(b.AppId, "app_id"), Required(b.GroupId, "group_id"), Required(b.UserId, "user_id"), Required(b.Text, "text"), b.UserName));
        PostInject(c, "/inject/cancel", b => emulator.InjectCancel(Required(b.AppId, "app_id"), Required(b.RunId, "run_id")));

        // ---- observation
        c.MapGet("/sent", ctx => Write(ctx, Filter(emulator.SentMessages, ctx, m => m.AppId), Json.IReadOnlyListSentMessage));
        c.MapGet("/stream-frames", ctx => Write(ctx, emulator.StreamFrames.Where(f => Matches(ctx, "run_id", f.Frame.RunId)).ToArray(), Json.IReadOnlyListReceivedStreamFrame));
        c.MapGet("/final-answers", ctx => Write(ctx, emulator.FinalAnswers.Where(f => Matches(ctx, "run_id", f.RunId)).ToArray(), Json.IReadOnlyListFinalAnswer));
        c.MapGet("/deliveries", ctx => Write(ctx, emulator.Deliveries.Where(d => Matches(ctx, "event_id", d.EventId)).ToArray(), Json.IReadOnlyListEventDelivery));
        c.MapGet("/event-acks", ctx => Write(ctx, emulator.EventAcks.Where(a => Matches(ctx, "event_id", a.EventId)).ToArray(), Json.IReadOnlyListEventAck));
        c.MapGet("/requests", ctx => Write(ctx, Filter(emulator.Requests, ctx, r => r.AppId), Json.IReadOnlyListRequestRecord));
        c.MapGet("/connections", ctx => Write(ctx, emulator.GetConnections(Query(ctx, "app_id")), Json.IReadOnlyListConnectionInfo));
        c.MapGet("/closed-connections", ctx => Write(ctx, Filter(emulator.ClosedConnections, ctx, x => x.AppId), Json.IReadOnlyListClosedConnection));
        c.MapGet("/conversations/{appId}/{conversationId}", ctx => Guard(ctx, () => Write(ctx,
            emulator.GetConversation((string)ctx.Request.RouteValues["appId"]!, (string)ctx.Request.RouteValues["conversationId"]!),
            Json.IReadOnlyListHistoryMessage)));

        // ---- waiting (long poll; 408 on timeout)
        c.MapGet("/wait/sent", Wait((ctx, t) => emulator.WaitForSentMessageAsync(m => Matches(ctx, "app_id", m.AppId) && Matches(ctx, "reply_to_message_id", m.ReplyToMessageId), t, ctx.RequestAborted), Json.SentMessage));
        c.MapGet("/wait/final-answer", Wait((ctx, t) => emulator.WaitForFinalAnswerAsync(Required(Query(ctx, "run_id"), "run_id"), t, ctx.RequestAborted), Json.FinalAnswer));
        c.MapGet("/wait/connection", Wait((ctx, t) => emulator.WaitForConnectionAsync(x => Matches(ctx, "app_id", x.AppId), t, ctx.RequestAborted), Json.ConnectionInfo));

        // ---- fault injection
        Post(c, "/faults/drop-connection", Json.FaultBody, (b, _) =>
        {
            if (b.ConnId is not null)
            {
                emulator.Faults.DropConnection(b.ConnId);
                return Ok(1);
            }

            return Ok(emulator.Faults.DropConnections(b.AppId));
        });
        Post(c, "/faults/silence", Json.FaultBody, (b, _) => { emulator.Faults.SetSilent(Required(b.ConnId, "conn_id"), b.Silent); return Ok(); });
        Post(c, "/faults/close-connection", Json.FaultBody, (b, _) =>
        {
            emulator.Faults.CloseConnection(Required(b.ConnId, "conn_id"), b.Code ?? WireNames.CloseCodes.Normal, b.Reason ?? "closed by emulator");
            return Ok();
        });
        Post(c, "/faults/malformed-frame", Json.FaultBody, (b, _) => { emulator.Faults.SendMalformedFrame(Required(b.ConnId, "conn_id"), b.Text ?? "{not json"); return Ok(); });
        Post(c, "/faults/binary-frame", Json.FaultBody, (b, _) =>
        {
            if (b.Text is { } text)
            {
                emulator.Faults.SendBinaryFrame(Required(b.ConnId, "conn_id"), System.Text.Encoding.UTF8.GetBytes(text));
            }
            else
            {
                emulator.Faults.SendBinaryFrame(Required(b.ConnId, "conn_id"), b.Size ?? 16);
            }

            return Ok();
        });
        Post(c, "/faults/large-frame", Json.FaultBody, (b, _) =>
        {
            emulator.Faults.SendLargeFrame(Required(b.ConnId, "conn_id"), b.Size ?? throw new ArgumentException("size is required"));
            return Ok();
        });
        Post(c, "/faults/reconnect", Json.FaultBody, (b, _) =>
        {
            emulator.Faults.SendReconnect(Required(b.ConnId, "conn_id"), b.Reason ?? "rebalancing", b.CloseAfterMs is int ms ? TimeSpan.FromMilliseconds(ms) : null);
            return Ok();
        });
        Post(c, "/faults/drop-acks", Json.FaultBody, (b, _) => { emulator.Faults.DropAcks(b.Count); return Ok(); });
        Post(c, "/faults/delay-acks", Json.FaultBody, (b, _) => { emulator.Faults.DelayAcks(TimeSpan.FromMilliseconds(b.DelayMs ?? 0)); return Ok(); });
        Post(c, "/faults/ignore-event-acks", Json.FaultBody, (b, _) => { emulator.Faults.IgnoreEventAcks(b.Count); return Ok(); });
        Post(c, "/faults/duplicate-events", Json.FaultBody, (b, _) => { emulator.Faults.DeliverNextEventsTwice(b.Count); return Ok(); });
        Post(c, "/faults/fail-requests", Json.FaultBody, (b, _) =>
        {
            emulator.Faults.FailNextRequests(b.Count, b.Status ?? StatusCodes.Status503ServiceUnavailable, b.RetryAfterSeconds is int s ? TimeSpan.FromSeconds(s) : null, b.PathPrefix);
            return Ok();
        });
        Post(c, "/faults/revoke-tokens", Json.FaultBody, (b, _) =>
        {
            if (b.AppId is null && b.Token is null)
            {
                throw new ArgumentException("app_id or token is required");
            }

            return Ok(b.Token is not null ? emulator.Faults.RevokeToken(b.Token) : emulator.Faults.RevokeTokens(b.AppId!));
        });
    }

    /// <summary>Unknown paths under the prefix: 404 with an envelope instead of an empty body.</summary>
    public static void MapControlFallback(WebApplication app) =>
        app.MapFallback(Prefix + "/{**path}", ctx => WriteError(ctx, StatusCodes.Status404NotFound, WireNames.Codes.NotFound, $"no control API endpoint {ctx.Request.Method} {ctx.Request.Path}"));

    private static ControlResult Ok(int? count = null) => new(true, count);

    private static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} is required") : value;

    private static string? Query(HttpContext ctx, string name) =>
        ctx.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    private static bool Matches(HttpContext ctx, string name, string? value) =>
        Query(ctx, name) is not { } wanted || string.Equals(wanted, value, StringComparison.Ordinal);

    private static IReadOnlyList<T> Filter<T>(IReadOnlyList<T> items, HttpContext ctx, Func<T, string?> appId) =>
        items.Where(i => Matches(ctx, "app_id", appId(i))).ToArray();

    internal static Task Write<T>(HttpContext ctx, T value, JsonTypeInfo<T> info, int status = StatusCodes.Status200OK)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(value, info, contentType: "application/json; charset=utf-8", ctx.RequestAborted);
    }

    private static async Task Guard(HttpContext ctx, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            await WriteError(ctx, StatusCodes.Status400BadRequest, WireNames.Codes.InvalidParameter, PlainMessage(ex)).ConfigureAwait(false);
        }
    }

    internal static Task WriteError(HttpContext ctx, int status, int code, string msg) =>
        Write(ctx, new ControlError(code, msg), Json.ControlError, status);

    /// <summary>The exception's message without .NET's " (Parameter 'appId')" suffix and "Actual value was …" line.</summary>
    internal static string PlainMessage(ArgumentException ex)
    {
        string msg = ex.Message;
        if (ex.ParamName is { } name && msg.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal) is int at and >= 0)
        {
            msg = msg.Remove(at, $" (Parameter '{name}')".Length);
        }

        int newline = msg.IndexOf('\n', StringComparison.Ordinal);
        return (newline >= 0 ? msg[..newline] : msg).TrimEnd('\r', ' ');
    }

    private static void Post<TBody>(RouteGroupBuilder c, string pattern, JsonTypeInfo<TBody> info, Func<TBody, HttpContext, ControlResult> action)
        where TBody : class
    {
        c.MapPost(pattern, ctx => Guard(ctx, async () =>
        {
            var body = await EmulatorEndpoints.ReadJson(ctx, info).ConfigureAwait(false)
                ?? throw new ArgumentException("the body must be a JSON object");
            await Write(ctx, action(body, ctx), Json.ControlResult).ConfigureAwait(false);
        }));
    }

    private static void PostInject(RouteGroupBuilder c, string pattern, Func<InjectBody, InjectedEvent> inject)
    {
        c.MapPost(pattern, ctx => Guard(ctx, async () =>
        {
            var body = await EmulatorEndpoints.ReadJson(ctx, Json.InjectBody).ConfigureAwait(false)
                ?? throw new ArgumentException("the body must be a JSON object");
            await Write(ctx, inject(body), Json.InjectedEvent).ConfigureAwait(false);
        }));
    }

    private static RequestDelegate Wait<T>(Func<HttpContext, TimeSpan, Task<T>> wait, JsonTypeInfo<T> info) => ctx => Guard(ctx, async () =>
    {
        var timeout = Query(ctx, "timeout_ms") is { } ms && int.TryParse(ms, System.Globalization.CultureInfo.InvariantCulture, out int t)
            ? TimeSpan.FromMilliseconds(Math.Clamp(t, 0, 120_000))
            : DefaultWait;
        T result;
        try
        {
            result = await wait(ctx, timeout).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            await WriteError(ctx, StatusCodes.Status408RequestTimeout, WireNames.Codes.NotFound, ex.Message).ConfigureAwait(false);
            return;
        }

        await Write(ctx, result, info).ConfigureAwait(false);
    });
}
