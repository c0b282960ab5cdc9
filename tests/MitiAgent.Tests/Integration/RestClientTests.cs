using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Auth;
using MitiAgent.Emulator;
using MitiAgent.Http;
using MitiAgent.Internal;
using MitiAgent.Protocol;
using MitiAgent.Rest;

namespace MitiAgent.Tests.Integration;

/// <summary>REST send and history (spec §2, §6.1, §7) against the emulator: envelope, token replacement, 429 pause, retries.</summary>
public sealed class RestClientTests
{
    private const string User = "u_rest";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Send_succeeds_and_logs_target_and_message_id()
    {
        await using Fixture f = await Fixture.StartAsync();

        SendMessageData data = await f.Rest.SendAsync(Text(User, "hi"), CancellationToken.None).WaitAsync(Timeout);

        var sent = Assert.Single(f.Host.Emulator.SentMessages);
        Assert.Equal(sent.MessageId, data.MessageId);
        Assert.Equal(sent.CreateTime, data.CreateTime);
        Assert.Equal("hi", sent.Text);
        Assert.Contains($"send_message success: target={User} message_id={data.MessageId}", f.MessageLines);
        TokenManagerTests.AssertNoSecretsLogged(f.Host);
    }

    [Fact]
    public async Task Invalid_request_is_rejected_before_any_request()
    {
        await using Fixture f = await Fixture.StartAsync(start: false);
        SendMessageRequest both = Text(User, "hi") with { ToGroupId = "sg_1" };

        await Assert.ThrowsAsync<ArgumentException>(() => f.Rest.SendAsync(both, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => f.Rest.SendAsync(Text(User, new string('x', 20_001)), CancellationToken.None));

        Assert.Empty(f.Host.Emulator.Requests);
    }

    [Fact]
    public async Task Revoked_token_is_replaced_once_and_the_send_retried()
    {
        await using Fixture f = await Fixture.StartAsync();
        string revoked = f.Host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId).Single();
        f.Host.Emulator.Faults.RevokeToken(revoked);

        SendMessageData data = await f.Rest.SendAsync(Text(User, "hi"), CancellationToken.None).WaitAsync(Timeout);

        Assert.NotNull(data.MessageId);
        Assert.Equal(2, f.Host.TokenRequests);
        Assert.Equal([401, 200], f.SendRequests.Select(r => r.StatusCode));
        Assert.NotEqual(revoked, await f.Tokens.GetTokenAsync(CancellationToken.None));
        Assert.Contains(TokenManagerTests.AuthLines(f.Host), l => l.StartsWith("access token rejected by the server", StringComparison.Ordinal));
        TokenManagerTests.AssertNoSecretsLogged(f.Host);
    }

    [Fact]
    public async Task Second_rejection_in_a_row_is_MitiAuthException_10002()
    {
        await using Fixture f = await Fixture.StartAsync();
        f.Host.Emulator.Faults.FailNextRequests(2, 401, pathPrefix: WireNames.Paths.SendMessage);

        var error = await Assert.ThrowsAsync<MitiAuthException>(() => f.Rest.SendAsync(Text(User, "hi"), CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(WireNames.Codes.InvalidToken, error.Code);
        Assert.Equal(2, f.Host.TokenRequests);
        Assert.Equal(2, f.SendRequests.Length);
    }

    [Fact]
    public async Task No_permission_10012_surfaces_at_once()
    {
        await using Fixture f = await Fixture.StartAsync();
        f.Host.Emulator.BlockAgent(User, EmulatorTestHost.AppId);

        MitiApiException error = await AssertApiErrorWithoutRetry(f, Text(User, "hi"), WireNames.Codes.NoPermission);

        Assert.Equal("no permission", error.Msg);
        Assert.Contains("send_message API error: code=10012 msg=no permission", f.MessageLines);
    }

    [Fact]
    public async Task Unknown_user_10013_surfaces_at_once()
    {
        await using Fixture f = await Fixture.StartAsync();

        await AssertApiErrorWithoutRetry(f, Text("u_nobody", "hi"), WireNames.Codes.NotFound);
    }

    [Fact]
    public async Task Invalid_parameter_10003_surfaces_at_once()
    {
        await using Fixture f = await Fixture.StartAsync();

        await AssertApiErrorWithoutRetry(f, Text(User, "hi") with { ReplyToMessageId = "msg-not-here" }, WireNames.Codes.InvalidParameter);
    }

    [Fact]
    public async Task Disabled_app_on_send_is_MitiAuthException_10004()
    {
        await using Fixture f = await Fixture.StartAsync();
        f.Host.Emulator.SetAppDisabled(EmulatorTestHost.AppId);

        var error = await Assert.ThrowsAsync<MitiAuthException>(() => f.Rest.SendAsync(Text(User, "hi"), CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(WireNames.Codes.AppDisabled, error.Code);
        Assert.Single(f.SendRequests);
    }

    [Fact]
    public async Task Rate_limit_pauses_every_request_of_the_client_until_retry_after()
    {
        await using Fixture f = await Fixture.StartAsync();
        long start = f.Host.Time.GetUtcNow().ToUnixTimeMilliseconds();
        f.Host.Emulator.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(2), WireNames.Paths.SendMessage);

        Task<SendMessageData> first = f.Rest.SendAsync(Text(User, "one"), CancellationToken.None);
        await EmulatorTestHost.WaitUntilAsync(() => f.MessageLines.Contains("rate limited, pausing sends for 2s"), "the 429 pause");
        Task<SendMessageData> second = f.Rest.SendAsync(Text(User, "two"), CancellationToken.None);

        f.Host.Time.Advance(TimeSpan.FromMilliseconds(1999));
        await Task.Delay(100);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.Single(f.SendRequests);

        f.Host.Time.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(first, second).WaitAsync(Timeout);

        RequestRecord[] sends = f.SendRequests;
        Assert.Equal([429, 200, 200], sends.Select(r => r.StatusCode));
        Assert.Equal(start, sends[0].At);
        Assert.All(sends.Skip(1), r => Assert.Equal(start + 2000, r.At));
        Assert.Equal(2, f.Host.Emulator.SentMessages.Count);
    }

    [Fact]
    public async Task Rate_limit_beyond_max_retries_is_MitiRateLimitedException_with_retry_after()
    {
        await using Fixture f = await Fixture.StartAsync(maxRetries: 2);
        f.Host.Emulator.Faults.FailNextRequests(3, 429, TimeSpan.FromSeconds(3), WireNames.Paths.SendMessage);

        Task<SendMessageData> send = f.Rest.SendAsync(Text(User, "hi"), CancellationToken.None);
        for (int pause = 1; pause <= 2; pause++)
        {
            await EmulatorTestHost.WaitUntilAsync(() => f.MessageLines.Count(l => l.StartsWith("rate limited", StringComparison.Ordinal)) == pause, "pause " + pause);
            f.Host.Time.Advance(TimeSpan.FromSeconds(3));
        }

        var error = await Assert.ThrowsAsync<MitiRateLimitedException>(() => send.WaitAsync(Timeout));

        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
        Assert.Equal(WireNames.Codes.RateLimited, error.Code);
        Assert.Equal(429, error.HttpStatus);
        Assert.Equal(3, f.SendRequests.Length);
    }

    [Fact]
    public async Task Server_error_is_retried_with_backoff_then_succeeds()
    {
        await using Fixture f = await Fixture.StartAsync();
        f.Host.Emulator.Faults.FailNextRequests(1, 503, pathPrefix: WireNames.Paths.SendMessage);

        Task<SendMessageData> send = f.Rest.SendAsync(Text(User, "hi"), CancellationToken.None);
        await EmulatorTestHost.WaitUntilAsync(() => f.MessageLines.Any(l => l.StartsWith("send_message transient failure (attempt 1 of 3)", StringComparison.Ordinal)), "the retry");
        Assert.False(send.IsCompleted);
        f.Host.Time.Advance(Backoff.Ceiling(0));
        SendMessageData data = await send.WaitAsync(Timeout);

        Assert.NotNull(data.MessageId);
        Assert.Equal([503, 200], f.SendRequests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task Server_errors_beyond_max_retries_are_MitiApiException()
    {
        await using Fixture f = await Fixture.StartAsync(maxRetries: 2);
        f.Host.Emulator.Faults.FailNextRequests(3, 500, pathPrefix: WireNames.Paths.SendMessage);

        Task<SendMessageData> send = f.Rest.SendAsync(Text(User, "hi"), CancellationToken.None);
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            await EmulatorTestHost.WaitUntilAsync(() => f.MessageLines.Count(l => l.StartsWith("send_message transient failure", StringComparison.Ordinal)) == attempt, "retry " + attempt);
            f.Host.Time.Advance(Backoff.Ceiling(attempt - 1));
        }

        var error = await Assert.ThrowsAsync<MitiApiException>(() => send.WaitAsync(Timeout));

        Assert.Equal(WireNames.Codes.InternalError, error.Code);
        Assert.Equal(500, error.HttpStatus);
        Assert.Equal(3, f.SendRequests.Length);
    }

    [Fact]
    public async Task History_returns_the_newest_messages_oldest_first()
    {
        await using Fixture f = await Fixture.StartAsync();
        InjectedEvent asked = f.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, User, "question");
        await f.Rest.SendAsync(Text(User, "answer 1") with { ReplyToMessageId = asked.MessageId }, CancellationToken.None).WaitAsync(Timeout);
        f.Host.Time.Advance(TimeSpan.FromSeconds(1));
        await f.Rest.SendAsync(Text(User, "answer 2"), CancellationToken.None).WaitAsync(Timeout);

        IReadOnlyList<HistoryMessage> all = await f.Rest.GetHistoryPageAsync(asked.ConversationId, 100, CancellationToken.None).WaitAsync(Timeout);
        IReadOnlyList<HistoryMessage> newest = await f.Rest.GetHistoryPageAsync(asked.ConversationId, 2, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(["question", "answer 1", "answer 2"], all.Select(m => m.Content));
        Assert.Equal([WireNames.Roles.User, WireNames.Roles.Assistant, WireNames.Roles.Assistant], all.Select(m => m.Role));
        Assert.Equal(["answer 1", "answer 2"], newest.Select(m => m.Content));
        Assert.Contains(f.Host.Emulator.Requests, r => r.Path == "/agent/v1/conversations/" + asked.ConversationId + "/messages" && r.StatusCode == 200);
    }

    [Fact]
    public async Task History_page_keeps_has_more()
    {
        await using Fixture f = await Fixture.StartAsync();
        InjectedEvent asked = f.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, User, "question");
        await f.Rest.SendAsync(Text(User, "answer 1") with { ReplyToMessageId = asked.MessageId }, CancellationToken.None).WaitAsync(Timeout);

        HistoryPage partial = await f.Rest.GetHistoryPageAsync(asked.ConversationId, 1, CancellationToken.None).WaitAsync(Timeout);
        HistoryPage whole = await f.Rest.GetHistoryPageAsync(asked.ConversationId, 2, CancellationToken.None).WaitAsync(Timeout);

        Assert.True(partial.HasMore);
        Assert.Equal(["answer 1"], partial.Messages.Select(m => m.Content));
        Assert.False(whole.HasMore);
        Assert.Equal(["question", "answer 1"], whole.Select(m => m.Content));
        Assert.Equal("HistoryPage { Count = 2, HasMore = false }", whole.ToString());
    }

    [Fact]
    public async Task History_validates_its_arguments_before_any_request()
    {
        await using Fixture f = await Fixture.StartAsync(start: false);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => f.Rest.GetHistoryPageAsync("conv-u_rest", 0, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => f.Rest.GetHistoryPageAsync("conv-u_rest", 101, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => f.Rest.GetHistoryPageAsync(" ", 10, CancellationToken.None));

        Assert.Empty(f.Host.Emulator.Requests);
    }

    [Fact]
    public async Task History_of_an_unknown_conversation_is_10013()
    {
        await using Fixture f = await Fixture.StartAsync();

        var error = await Assert.ThrowsAsync<MitiApiException>(() => f.Rest.GetHistoryPageAsync("conv-nobody", 10, CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(WireNames.Codes.NotFound, error.Code);
        Assert.Contains(f.MessageLines, l => l.StartsWith("get_history API error: code=10013", StringComparison.Ordinal));
    }

    [Fact]
    public void Retry_after_accepts_seconds_and_http_dates()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

        Assert.Equal(TimeSpan.FromSeconds(2), ApiEnvelope.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(2)), time));
        Assert.Equal(TimeSpan.FromSeconds(30), ApiEnvelope.RetryAfter(new RetryConditionHeaderValue(time.GetUtcNow().AddSeconds(30)), time));
        Assert.Equal(TimeSpan.Zero, ApiEnvelope.RetryAfter(new RetryConditionHeaderValue(time.GetUtcNow().AddSeconds(-30)), time));
        Assert.Null(ApiEnvelope.RetryAfter(null, time));
    }

    private static async Task<MitiApiException> AssertApiErrorWithoutRetry(Fixture f, SendMessageRequest request, int code)
    {
        var error = await Assert.ThrowsAsync<MitiApiException>(() => f.Rest.SendAsync(request, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(code, error.Code);
        Assert.Equal(200, error.HttpStatus);
        Assert.Single(f.SendRequests);
        Assert.Equal(1, f.Host.TokenRequests);
        Assert.Contains($"send_message API error: code={code} msg={error.Msg}", f.MessageLines);
        return error;
    }

    private static SendMessageRequest Text(string userId, string text) => new()
    {
        ToUserId = userId,
        MsgType = WireNames.MsgTypes.Text,
        Content = JsonSerializer.SerializeToElement(new TextContent { Text = text }, MitiJsonContext.Default.TextContent),
    };

    private sealed class Fixture : IAsyncDisposable
    {
        private Fixture(EmulatorTestHost host, HttpClient http, TokenManager tokens, MitiRestClient rest)
        {
            Host = host;
            Http = http;
            Tokens = tokens;
            Rest = rest;
        }

        public EmulatorTestHost Host { get; }

        public HttpClient Http { get; }

        public TokenManager Tokens { get; }

        public MitiRestClient Rest { get; }

        public string[] MessageLines =>
            Host.Logs.Entries.Where(e => e.Category == MitiLogCategories.Message).Select(e => e.Message).ToArray();

        public RequestRecord[] SendRequests =>
            Host.Emulator.Requests.Where(r => r.Path == WireNames.Paths.SendMessage).ToArray();

        public static async Task<Fixture> StartAsync(int maxRetries = 3, bool start = true)
        {
            EmulatorTestHost host = await EmulatorTestHost.StartAsync();
            host.Emulator.RegisterUser(User, "Rest User");
            var http = new HttpClient();
            TokenManager tokens = TokenManagerTests.CreateTokens(host, http, random: new Random(11));
            var rest = new MitiRestClient(
                MitiEndpoints.Resolve(host.Emulator.BaseUrl),
                http,
                tokens,
                host.Time,
                host.LoggerFactory.CreateLogger(MitiLogCategories.Message),
                maxRetries,
                new Random(13));
            if (start)
            {
                await tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
            }

            return new Fixture(host, http, tokens, rest);
        }

        public async ValueTask DisposeAsync()
        {
            await Tokens.DisposeAsync();
            Http.Dispose();
            await Host.DisposeAsync();
        }
    }
}
