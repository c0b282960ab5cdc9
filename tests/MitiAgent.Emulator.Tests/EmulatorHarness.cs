using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

/// <summary>An emulator on a free loopback port with a fake clock, driven by a raw HttpClient and ClientWebSockets.</summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    public const string AppId = "cli_test";
    public const string AppSecret = "secret_test_value";
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);

    private readonly List<RawGateway> _gateways = [];

    private EmulatorHarness(MitiEmulator emulator, FakeTimeProvider time, CapturingLoggerProvider logs)
    {
        Emulator = emulator;
        Time = time;
        Logs = logs;
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    public MitiEmulator Emulator { get; }
    public FakeTimeProvider Time { get; }
    public CapturingLoggerProvider Logs { get; }
    public HttpClient Http { get; }
    public string BaseUrl => Emulator.BaseUrl;

    public static async Task<EmulatorHarness> StartAsync(Action<MitiEmulatorOptions>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        var options = new MitiEmulatorOptions { TimeProvider = time, AckTimeout = AckTimeout, PingInterval = TimeSpan.FromSeconds(30) };
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "TestBot", TokenLifetime = TimeSpan.FromSeconds(60) });
        configure?.Invoke(options);
        var logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var emulator = new MitiEmulator(options, factory);
        await emulator.StartAsync();
        return new EmulatorHarness(emulator, time, logs);
    }

    public async Task<HttpResponseMessage> PostAsync(string path, string json, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl + path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, BaseUrl + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Returns the HTTP status and the parsed envelope.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
        }
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> RequestTokenAsync(string appId, string appSecret) =>
        await ReadAsync(await PostAsync(WireNames.Paths.Token, $$"""{"app_id":"{{appId}}","app_secret":"{{appSecret}}"}"""));

    public async Task<string> GetTokenAsync(string appId = AppId, string appSecret = AppSecret)
    {
        var (status, body) = await RequestTokenAsync(appId, appSecret);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("code").GetInt32());
        return body.GetProperty("data").GetProperty("access_token").GetString()!;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string token, string json) =>
        await ReadAsync(await PostAsync(WireNames.Paths.SendMessage, json, token));

    public async Task<(HttpStatusCode Status, JsonElement Body)> HistoryAsync(string token, string conversationId, string? query = null) =>
        await ReadAsync(await GetAsync(WireNames.Paths.History(conversationId) + query, token));

    /// <summary>Opens a gateway socket and reads its hello.</summary>
    public async Task<RawGateway> ConnectAsync(string? token = null)
    {
        token ??= await GetTokenAsync();
        var gateway = await RawGateway.ConnectAsync(Emulator.GatewayUri, token);
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>Attempts a handshake that is expected to fail; returns the HTTP status and Retry-After.</summary>
    public async Task<(HttpStatusCode Status, string? RetryAfter)> FailedHandshakeAsync(string? token)
    {
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(Emulator.GatewayUri, CancellationToken.None));
        string? retryAfter = ws.HttpResponseHeaders is { } h && h.TryGetValue("Retry-After", out var v) ? v.First() : null;
        return (ws.HttpStatusCode, retryAfter);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var g in _gateways)
        {
            await g.DisposeAsync();
        }

        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

/// <summary>A raw agent-side gateway socket: a background reader queues frames so receives can time out safely.</summary>
internal sealed class RawGateway : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _ws;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task? _reader;

    private RawGateway(ClientWebSocket ws) => _ws = ws;

    public HelloFrame Hello { get; private set; } = null!;
    public string ConnId => Hello.ConnId!;
    public List<string> RawFrames { get; } = [];

    /// <summary>Binary messages received (kept apart from the text frames).</summary>
    public List<byte[]> BinaryFrames { get; } = [];

    /// <summary>Close status the server sent, or null when the socket was dropped without a close frame.</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    public static async Task<RawGateway> ConnectAsync(Uri uri, string token)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await ws.ConnectAsync(uri, CancellationToken.None);
        var gateway = new RawGateway(ws);
        gateway._reader = gateway.ReadLoopAsync();
        var hello = await gateway.ReceiveAsync();
        Assert.Equal("hello", hello.GetProperty("type").GetString());
        gateway.Hello = hello.Deserialize(MitiJsonContext.Default.HelloFrame)!;
        return gateway;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var ms = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _ws.ReceiveAsync(buffer, CancellationToken.None);
                    ms.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(_ws.CloseStatus);
                    if (_ws.State == WebSocketState.CloseReceived)
                    {
                        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }

                    return;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    lock (RawFrames)
                    {
                        BinaryFrames.Add(ms.ToArray());
                    }

                    continue;
                }

                string text = Encoding.UTF8.GetString(ms.ToArray());
                lock (RawFrames)
                {
                    RawFrames.Add(text);
                }

                try
                {
                    _frames.Writer.TryWrite(JsonDocument.Parse(text).RootElement.Clone());
                }
                catch (JsonException)
                {
                    // Malformed frames are kept in RawFrames only.
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            _closed.TrySetResult(null);
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    public async Task SendAsync(string json)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task AckAsync(string eventId) => SendAsync($$"""{"type":"ack","event_id":"{{eventId}}"}""");

    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait);
        return await _frames.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Receives frames until one of <paramref name="type"/> arrives (others are skipped).</summary>
    public async Task<JsonElement> ReceiveAsync(string type, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait);
        while (true)
        {
            var frame = await _frames.Reader.ReadAsync(cts.Token);
            if (frame.GetProperty("type").GetString() == type)
            {
                return frame;
            }
        }
    }

    /// <summary>True when no frame arrives within a short real-time window.</summary>
    public async Task<bool> ReceivesNothingAsync(TimeSpan? window = null)
    {
        using var cts = new CancellationTokenSource(window ?? TimeSpan.FromMilliseconds(250));
        try
        {
            await _frames.Reader.WaitToReadAsync(cts.Token);
            return !_frames.Reader.TryPeek(out _);
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    public async Task<WebSocketCloseStatus?> WaitClosedAsync() => await Closed.WaitAsync(Wait);

    public async Task CloseAsync()
    {
        if (_ws.State == WebSocketState.Open)
        {
            await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _ws.Abort();
        if (_reader is not null)
        {
            await _reader;
        }

        _ws.Dispose();
        _sendLock.Dispose();
    }
}
