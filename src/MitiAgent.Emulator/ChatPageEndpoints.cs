using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MitiAgent.Emulator;

/// <summary>
/// The chat page: static files embedded in this assembly (nothing fetched from elsewhere, works offline), served at
/// <c>/</c>, <c>/_emulator/</c> and <c>{base}/_emulator/</c>; its state (<c>/_emulator/ui/state</c>) and live updates
/// (Server-Sent Events, <c>/_emulator/ui/events</c>). Everything else the page does goes through the control API.
/// </summary>
internal static class ChatPageEndpoints
{
    public const string UiPrefix = ControlEndpoints.Prefix + "/ui";
    private const string ResourcePrefix = "MitiAgent.Emulator.ChatPage.";

    /// <summary>The page runs only its own script: no inline script, no other origin, no plugins, no framing.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>Bursts of changes (stream deltas) are coalesced into one notification per this interval.</summary>
    private static readonly TimeSpan CoalesceInterval = TimeSpan.FromMilliseconds(30);

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Files = LoadFiles();

    public static void Map(WebApplication app, EmulatorCore core, string pathBase, CancellationToken stopping)
    {
        RequestDelegate index = ctx => Serve(ctx, "index.html");
        app.MapGet("/", index);
        app.MapGet(ControlEndpoints.Prefix, index); // routing matches it with and without the trailing slash
        if (pathBase.Length > 0)
        {
            app.MapGet(pathBase + ControlEndpoints.Prefix, index);
        }

        app.MapGet(UiPrefix + "/files/{name}", ctx => Serve(ctx, (string)ctx.Request.RouteValues["name"]!));

        app.MapGet(UiPrefix + "/state", ctx =>
        {
            var state = core.ChatState(Query(ctx, "app_id"), Query(ctx, "user_id"), Query(ctx, "group_id"));
            ctx.Response.Headers.CacheControl = "no-store";
            return ControlEndpoints.Write(ctx, state, EmulatorJsonContext.Readable.ChatState);
        });

        app.MapGet(UiPrefix + "/events", ctx => StreamChangesAsync(ctx, core.Changes, stopping));
    }

    private static string? Query(HttpContext ctx, string name) =>
        ctx.Request.Query.TryGetValue(name, out var v) && v.ToString() is { Length: > 0 } s ? s : null;

    private static Task Serve(HttpContext ctx, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return ControlEndpoints.WriteError(ctx, StatusCodes.Status404NotFound, Protocol.WireNames.Codes.NotFound, $"no chat page file '{name}'");
        }

        var headers = ctx.Response.Headers;
        headers.ContentType = file.ContentType;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        return ctx.Response.Body.WriteAsync(file.Bytes, ctx.RequestAborted).AsTask();
    }

    /// <summary>Server-Sent Events: <c>data: &lt;version&gt;</c> whenever the emulator changed; the page then reloads its state.</summary>
    private static async Task StreamChangesAsync(HttpContext ctx, ChangeFeed feed, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping);
        var ct = linked.Token;
        ctx.Response.Headers.ContentType = "text/event-stream; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await ctx.Response.WriteAsync("retry: 1000\n\n", ct).ConfigureAwait(false);
            long seen = long.MinValue;
            while (!ct.IsCancellationRequested)
            {
                long version = feed.Version;
                if (version != seen)
                {
                    seen = version;
                    await ctx.Response.WriteAsync("data: " + version.ToString(CultureInfo.InvariantCulture) + "\n\n", ct).ConfigureAwait(false);
                    await ctx.Response.Body.FlushAsync(ct).ConfigureAwait(false);
                    await Task.Delay(CoalesceInterval, ct).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    await feed.WaitForChangeAsync(seen, ct).WaitAsync(KeepAliveInterval, ct).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await ctx.Response.WriteAsync(": keep-alive\n\n", ct).ConfigureAwait(false);
                    await ctx.Response.Body.FlushAsync(ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The page went away, or the emulator is stopping.
        }
    }

    private static FrozenDictionary<string, (byte[] Bytes, string ContentType)> LoadFiles()
    {
        var assembly = typeof(ChatPageEndpoints).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            string name = resource[ResourcePrefix.Length..];
            string contentType = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[name] = (buffer.ToArray(), contentType);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
