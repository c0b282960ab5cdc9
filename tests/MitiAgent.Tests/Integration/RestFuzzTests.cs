using System.Net;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Tests.Integration;

/// <summary>
/// Issue 14 §3 (REST part): a real HTTP server on loopback answers the client's sends and history reads with random
/// statuses and bodies — HTML error pages, non-JSON, truncated envelopes, wrong member types, huge messages. Every call
/// either succeeds or fails with a <see cref="MitiException"/> (never a JSON, null-reference or cast error), the
/// client stays usable, and no response content reaches a log line or an exception message. Seeded by CsCheck.
/// </summary>
public sealed class RestFuzzTests
{
    private const string Marker = "FUZZMARK";
    private const string ValidSend = """{"code": 0, "msg": "ok", "data": {"message_id": "msg-1", "create_time": 1750240805000}}""";

    private static readonly Gen<string> Html = Gen.Int[0, 3].Select(i =>
        $"<!DOCTYPE html><html><head><title>50{i} {Marker}</title></head><body><h1>Bad Gateway {Marker}</h1><p>nginx</p></body></html>");

    private static readonly Gen<string> Truncated = Gen.Int[0, ValidSend.Length - 1].Select(n => ValidSend[..n]);

    private static readonly Gen<string> WrongTypes = Gen.OneOfConst(
        """{"code": "0", "msg": "ok", "data": {}}""",
        """{"code": 0, "msg": 1, "data": "FUZZMARK"}""",
        """{"code": 0, "msg": "ok", "data": null}""",
        """{"code": 0, "msg": "ok"}""",
        """{"code": 0, "msg": "ok", "data": {"message_id": 5}}""",
        """{"code": 0, "msg": "ok", "data": {"messages": "FUZZMARK", "has_more": "yes"}}""",
        """{"code": 0, "msg": "ok", "data": {"messages": [1, null, {"content": "FUZZMARK"}]}}""",
        """{"code": 1e400, "msg": "bad", "data": "FUZZMARK"}""",
        """{"code": 10012, "msg": "no permission"}""",
        """{"code": 10003}""",
        """[]""",
        """null""",
        """ """,
        "",
        """{"code": 0, "data": {"message_id": "m", "create_time": "FUZZMARK"}}""");

    // The envelope's msg is the server's word and is quoted (ref: "code=10012 msg=no permission"), but cut short.
    private static readonly Gen<string> Huge = Gen.Int[10_000, 200_000].Select(n => $$"""{"code": 50000, "msg": "srv{{new string('x', n)}}", "data": "{{Marker}}"}""");

    private static readonly Gen<string> Body = Gen.OneOf(Html, Truncated, WrongTypes, Huge, Gen.String[Gen.Char, 0, 100]);

    private static readonly Gen<int> Status = Gen.OneOfConst(200, 200, 200, 400, 404, 500, 502, 503);

    [Fact]
    public async Task Bad_answers_become_typed_errors_without_content_and_the_client_stays_usable()
    {
        await using var server = new FuzzServer();
        var logs = new CapturingLoggerProvider();
        await using var client = new MitiAgentClient(
            new MitiAgentOptions { AppId = "cli_fuzz", AppSecret = "fuzz-secret-0000", BaseUrl = server.BaseUrl, RegisterSignals = false, MaxSendRetries = 0 },
            new CapturingLoggerFactory(logs));
        var outcomes = new Dictionary<string, int>();

        await Gen.Select(Status, Body, Gen.Bool).SampleAsync(
            async (status, body, history) =>
            {
                server.Next = (status, body);
                Exception? error = null;
                try
                {
                    if (history)
                    {
                        await client.GetHistoryAsync("conv-1", 5);
                    }
                    else
                    {
                        await client.SendMessageAsync(MessageTarget.User("u_1"), OutgoingContent.Text("hi"));
                    }
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                string kind = error?.GetType().Name ?? "ok";
                outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
                if (error is not null)
                {
                    Assert.True(error is MitiException, $"status {status}: {error.GetType().Name}: {error.Message}");
                    Assert.DoesNotContain(Marker, error.Message, StringComparison.Ordinal);
                    Assert.True(error.Message.Length < 400, "message of " + error.Message.Length + " characters");
                }

                // The client stays usable: a good answer right after works.
                server.Next = (200, ValidSend);
                await client.SendMessageAsync(MessageTarget.User("u_1"), OutgoingContent.Text("again"));
            },
            iter: 300,
            threads: 1);

        // Whether a random answer happens to be a valid one depends on the seed: only the typed errors are counted
        // (the good answer after every sample already proves the client stays usable).
        Assert.True(outcomes.GetValueOrDefault(nameof(MitiApiException)) > 100, string.Join(", ", outcomes));
        var leaks = logs.Entries.Where(e => e.Level >= LogLevel.Debug && (e.Message.Contains(Marker, StringComparison.Ordinal) || (e.Exception?.Message.Contains(Marker, StringComparison.Ordinal) ?? false))).ToArray();
        Assert.True(leaks.Length == 0, "content in logs: " + string.Join("\n", leaks.Take(3).Select(e => e.Message[..Math.Min(200, e.Message.Length)])));
    }

    /// <summary>A loopback HTTP server: token requests succeed, every other request gets <see cref="Next"/>.</summary>
    private sealed class FuzzServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public FuzzServer()
        {
            for (int attempt = 0; ; attempt++)
            {
                int port = Random.Shared.Next(20_000, 60_000);
                BaseUrl = $"http://127.0.0.1:{port}";
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add(BaseUrl + "/");
                try
                {
                    _listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 20)
                {
                }
            }

            _loop = Task.Run(LoopAsync);
        }

        public string BaseUrl { get; }

        public (int Status, string Body) Next { get; set; } = (200, ValidSend);

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

                (int status, string body) = context.Request.Url!.AbsolutePath.EndsWith("/auth/token", StringComparison.Ordinal)
                    ? (200, """{"code": 0, "msg": "ok", "data": {"access_token": "t-fuzz-token", "expires_in": 7200}}""")
                    : Next;
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = body.StartsWith('<') ? "text/html" : "application/json";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }
    }
}
