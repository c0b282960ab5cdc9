using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

/// <summary>Maps the Miti API (under the path base) and the control API (under <c>/_emulator</c>).</summary>
internal static class EmulatorEndpoints
{
    private static readonly MitiJsonContext Json = MitiJsonContext.Default;

    public static void MapMitiApi(WebApplication app, EmulatorCore core, string pathBase, int maxFrameBytes, ILogger logger, CancellationToken stopping)
    {
        // Injected request failures (429 / 5xx) apply to every Miti API path, the gateway handshake included.
        app.Use(async (ctx, next) =>
        {
            string? path = RelativePath(ctx, pathBase);
            // The chat page under {base}/_emulator/ is the emulator's own, not the Miti API: no injected failures.
            if (path is not null && !path.StartsWith(ControlEndpoints.Prefix, StringComparison.Ordinal) && core.TakeRequestFailure(path) is { } failure)
            {
                int code = failure.StatusCode == StatusCodes.Status429TooManyRequests ? WireNames.Codes.RateLimited : WireNames.Codes.InternalError;
                if (failure.RetryAfter is { } retryAfter)
                {
                    ctx.Response.Headers.RetryAfter = Seconds(retryAfter);
                }

                await WriteEnvelope(ctx, core, logger, pathBase, failure.StatusCode, code, "injected failure", default(JsonElement?), Json.ApiResponseNullableJsonElement, null).ConfigureAwait(false);
                return;
            }

            await next(ctx).ConfigureAwait(false);
        });

        var api = app.MapGroup(pathBase);

        api.MapPost(WireNames.Paths.Token, async ctx =>
        {
            var body = await ReadJson(ctx, Json.TokenRequest).ConfigureAwait(false);
            var (status, code, msg, data) = core.IssueToken(body);
            await WriteEnvelope(ctx, core, logger, pathBase, status, code, msg, data, Json.ApiResponseTokenData, body?.AppId).ConfigureAwait(false);
        });

        api.MapPost(WireNames.Paths.SendMessage, async ctx =>
        {
            long arrival = EmulatorCore.NextArrival(); // before anything else: orders this send against event acks
            if (await Authenticate(ctx, core, logger, pathBase).ConfigureAwait(false) is not { } appId)
            {
                return;
            }

            if (core.CheckSendRate(appId) is { } retryAfter)
            {
                ctx.Response.Headers.RetryAfter = Seconds(retryAfter);
                await WriteEnvelope(ctx, core, logger, pathBase, StatusCodes.Status429TooManyRequests, WireNames.Codes.RateLimited, "rate limited", default(JsonElement?), Json.ApiResponseNullableJsonElement, appId).ConfigureAwait(false);
                return;
            }

            var body = await ReadJson(ctx, Json.SendMessageRequest).ConfigureAwait(false);
            var (code, msg, data) = core.Send(appId, body, arrival);
            await WriteEnvelope(ctx, core, logger, pathBase, StatusCodes.Status200OK, code, msg, data, Json.ApiResponseSendMessageData, appId).ConfigureAwait(false);
        });

        api.MapGet(WireNames.Paths.HistoryRoute, async ctx =>
        {
            if (await Authenticate(ctx, core, logger, pathBase).ConfigureAwait(false) is not { } appId)
            {
                return;
            }

            string conversationId = (string)ctx.Request.RouteValues["conversationId"]!;
            string? limit = ctx.Request.Query.TryGetValue("limit", out var l) ? l.ToString() : null;
            var (code, msg, data) = core.History(appId, conversationId, limit);
            await WriteEnvelope(ctx, core, logger, pathBase, StatusCodes.Status200OK, code, msg, data, Json.ApiResponseHistoryData, appId).ConfigureAwait(false);
        });

        api.Map(WireNames.Paths.Gateway, async ctx =>
        {
            if (!ctx.WebSockets.IsWebSocketRequest)
            {
                ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
                core.RecordRequest(ctx.Request.Method, WireNames.Paths.Gateway, 400, -1, null);
                return;
            }

            string? token = BearerToken(ctx);
            var (status, appId, retryAfter) = core.CheckHandshake(token);
            core.RecordRequest(ctx.Request.Method, WireNames.Paths.Gateway, status, -1, appId);
            if (status != StatusCodes.Status101SwitchingProtocols)
            {
                if (retryAfter is { } ra)
                {
                    ctx.Response.Headers.RetryAfter = Seconds(ra);
                }

                ctx.Response.StatusCode = status;
                return;
            }

            WebSocket socket;
            try
            {
                socket = await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            }
            catch
            {
                core.ReleaseHandshake(appId!);
                throw;
            }

            using (socket)
            {
                var conn = core.OpenConnection(appId!, token!, socket);
                try
                {
                    await conn.RunAsync(core.OnFrame, core.OnProtocolError, maxFrameBytes, stopping).ConfigureAwait(false);
                }
                finally
                {
                    core.RemoveConnection(conn, socket.CloseStatus);
                }
            }
        });
    }

    // ---------------------------------------------------------------- helpers

    internal static string? RelativePath(HttpContext ctx, string pathBase)
    {
        var path = ctx.Request.Path;
        return path.StartsWithSegments(pathBase, StringComparison.Ordinal, out var rest) ? rest.Value ?? "/" : null;
    }

    private static string? BearerToken(HttpContext ctx)
    {
        string? header = ctx.Request.Headers.Authorization;
        return header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }

    private static async Task<string?> Authenticate(HttpContext ctx, EmulatorCore core, ILogger logger, string pathBase)
    {
        var (appId, status, code, msg) = core.Authenticate(BearerToken(ctx));
        if (code == WireNames.Codes.Ok)
        {
            return appId;
        }

        await WriteEnvelope(ctx, core, logger, pathBase, status, code, msg, default(JsonElement?), Json.ApiResponseNullableJsonElement, appId).ConfigureAwait(false);
        return null;
    }

    internal static async Task<T?> ReadJson<T>(HttpContext ctx, JsonTypeInfo<T> info)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(ctx.Request.Body, info, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Seconds(TimeSpan t) =>
        Math.Max(1, (long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static async Task WriteEnvelope<T>(HttpContext ctx, EmulatorCore core, ILogger logger, string pathBase, int status, int code, string msg, T? data, JsonTypeInfo<ApiResponse<T>> info, string? appId)
    {
        string path = RelativePath(ctx, pathBase) ?? ctx.Request.Path.Value ?? "/";
        if (code != WireNames.Codes.Ok)
        {
            Log.RequestRefused(logger, ctx.Request.Method, path, appId, status, code);
        }

        core.RecordRequest(ctx.Request.Method, path, status, code, appId);
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(new ApiResponse<T> { Code = code, Msg = msg, Data = data }, info, contentType: "application/json; charset=utf-8", ctx.RequestAborted).ConfigureAwait(false);
    }
}
