using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MitiAgent.EndToEnd.Tests.Samples;

/// <summary>
/// A minimal OpenAI-compatible server on 127.0.0.1 (free port): <c>POST /v1/chat/completions</c> with
/// <c>"stream": true</c> answers <see cref="Answer"/> as server-sent <c>chat.completion.chunk</c>s, word by word. It
/// records each request body. Enough for <c>samples/ChatAgent</c>'s <c>OPENAI_BASE_URL</c> path, offline.
/// </summary>
internal sealed class FakeOpenAIServer : IAsyncDisposable
{
    public const string Answer = "Hello from the fake model.";

    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FakeOpenAIServer()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The OpenAI base URL (…/v1).</summary>
    public string BaseUrl { get; }

    /// <summary>The JSON bodies of the chat completion requests, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        string body = await reader.ReadToEndAsync();
        if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/v1/chat/completions")
        {
            context.Response.StatusCode = 404;
            context.Response.Close();
            return;
        }

        Requests.Enqueue(body);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.SendChunked = true;
        var output = context.Response.OutputStream;
        async Task SendAsync(string data)
        {
            byte[] bytes = Encoding.UTF8.GetBytes("data: " + data + "\n\n");
            await output.WriteAsync(bytes);
            await output.FlushAsync();
        }

        string[] words = Answer.Split(' ');
        for (int i = 0; i < words.Length; i++)
        {
            string piece = (i == 0 ? string.Empty : " ") + words[i];
            string role = i == 0 ? "\"role\":\"assistant\"," : string.Empty;
            await SendAsync("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764633600,\"model\":\"fake-model\",\"choices\":[{\"index\":0,\"delta\":{" + role + "\"content\":\"" + piece + "\"},\"finish_reason\":null}]}");
        }

        await SendAsync("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764633600,\"model\":\"fake-model\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        await SendAsync("[DONE]");
        context.Response.Close();
    }
}
