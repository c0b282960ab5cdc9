using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MitiAgent.Protocol;

namespace MitiAgent.Benchmarks;

/// <summary>
/// End to end through a real loopback WebSocket: a server that sends text events from one reused buffer and counts
/// acks (nothing allocated per event), and either the SDK (<see cref="MitiAgentClient"/> with a no-op handler) or a
/// raw <see cref="ClientWebSocket"/> loop that only reads, parses <c>event_id</c> and acks (the baseline).
/// One operation is one event; an invocation is a batch of <see cref="Batch"/> events until every ack arrived (and,
/// for the SDK, every handler ran).
/// </summary>
[MemoryDiagnoser]
public class EndToEndBenchmarks
{
    private const int Batch = 1000;
    private BenchServer _server = null!;
    private MitiAgentClient? _client;
    private CountingHandler _handler = null!;
    private ClientWebSocket? _raw;
    private Task? _rawLoop;

    [GlobalSetup(Target = nameof(Sdk))]
    public void SetupSdk()
    {
        _server = BenchServer.Start();
        _handler = new CountingHandler();
        _client = new MitiAgentClient(
            new MitiAgentOptions { AppId = "cli_bench", AppSecret = "bench-secret", BaseUrl = _server.BaseUrl, HandlerQueueCapacity = Batch },
            NullLoggerFactory.Instance);
        _client.StartAsync(_handler).GetAwaiter().GetResult();
        _server.WaitForSession();
    }

    [GlobalSetup(Target = nameof(RawClientWebSocket))]
    public void SetupRaw()
    {
        _server = BenchServer.Start();
        _raw = new ClientWebSocket();
        _raw.Options.SetRequestHeader("Authorization", "Bearer raw");
        _raw.ConnectAsync(new Uri(_server.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + WireNames.Paths.Gateway), CancellationToken.None).GetAwaiter().GetResult();
        _rawLoop = Task.Run(() => RawLoopAsync(_raw));
        _server.WaitForSession();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw?.Abort();
        _raw?.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public Task RawClientWebSocket() => _server.SendBatchAsync(Batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task Sdk()
    {
        Task handled = _handler.WaitForAsync(Batch);
        await _server.SendBatchAsync(Batch);
        await handled.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task RawLoopAsync(ClientWebSocket ws)
    {
        var buffer = new byte[64 * 1024];
        var acks = new RawAckWriter();
        int filled = 0;
        while (ws.State == WebSocketState.Open)
        {
            ValueWebSocketReceiveResult result = await ws.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            filled += result.Count;
            if (!result.EndOfMessage)
            {
                continue;
            }

            if (RawAckWriter.ReadEventId(buffer.AsSpan(0, filled)) is { } eventId)
            {
                await ws.SendAsync(acks.Ack(eventId), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }

            filled = 0;
        }
    }
}

/// <summary>
/// A loopback gateway for benchmarks: <c>POST</c> token, and a WebSocket that says <c>hello</c>, sends batches of
/// events from one reused buffer and counts the acks it reads into another (no per-event allocation).
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private static readonly byte[] TokenResponse = """{"code":0,"msg":"ok","data":{"access_token":"bench-token","expires_in":7200}}"""u8.ToArray();
    private static readonly byte[] Hello = """{"type":"hello","conn_id":"c1","ping_interval_ms":30000,"ack_timeout_ms":5000}"""u8.ToArray();
    private readonly WebApplication _app;
    private readonly EventFrameTemplate _frame = new();
    private readonly TaskCompletionSource<WebSocket> _session = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _acks;
    private int _ackTarget = int.MaxValue;
    private TaskCompletionSource? _acked;

    private BenchServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public static BenchServer Start()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var server = new BenchServer(app);
        app.UseWebSockets();
        app.MapPost(WireNames.Paths.Token, static async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(TokenResponse);
        });
        app.Map(WireNames.Paths.Gateway, server.GatewayAsync);
        app.StartAsync().GetAwaiter().GetResult();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public void WaitForSession() => _session.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

    /// <summary>Sends <paramref name="count"/> events and completes when all their acks arrived.</summary>
    public async Task SendBatchAsync(int count)
    {
        WebSocket ws = await _session.Task;
        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _acked, acked);
        Volatile.Write(ref _ackTarget, Volatile.Read(ref _acks) + count);
        for (int i = 0; i < count; i++)
        {
            await ws.SendAsync(_frame.Next(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }

        await acked.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task GatewayAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using WebSocket ws = await context.WebSockets.AcceptWebSocketAsync();
        await ws.SendAsync(Hello, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        _session.TrySetResult(ws);
        var buffer = new byte[16 * 1024];
        int filled = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result = await ws.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                filled += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (buffer.AsSpan(0, filled).IndexOf("\"ack\""u8) >= 0 && Interlocked.Increment(ref _acks) >= Volatile.Read(ref _ackTarget))
                {
                    Volatile.Read(ref _acked)?.TrySetResult();
                }

                filled = 0;
            }
        }
        catch (WebSocketException)
        {
            // The client went away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
