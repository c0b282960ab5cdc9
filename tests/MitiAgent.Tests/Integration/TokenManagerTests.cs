using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using MitiAgent.Auth;
using MitiAgent.Emulator;
using MitiAgent.Internal;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration;

/// <summary>The access token (spec §3) against the emulator: acquisition, fatal codes, single flight, proactive refresh.</summary>
public sealed class TokenManagerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    internal static TokenManager CreateTokens(EmulatorTestHost host, HttpClient http, string secret = EmulatorTestHost.AppSecret, Random? random = null) =>
        new(
            MitiEndpoints.Resolve(host.Emulator.BaseUrl),
            EmulatorTestHost.AppId,
            secret,
            http,
            host.Time,
            host.LoggerFactory.CreateLogger(MitiLogCategories.Auth),
            random);

    internal static string[] AuthLines(EmulatorTestHost host) =>
        host.Logs.Entries.Where(e => e.Category == MitiLogCategories.Auth).Select(e => e.Message).ToArray();

    /// <summary>Neither the app secret nor any issued token appears in any captured log line (exceptions and scopes included).</summary>
    internal static void AssertNoSecretsLogged(EmulatorTestHost host, params string[] alsoSecret)
    {
        string[] secrets = [EmulatorTestHost.AppSecret, .. host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId), .. alsoSecret];
        foreach (string line in host.Logs.Entries.Select(e => e.TextWithScopes))
        {
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task First_token_is_acquired_once_and_logged_without_the_token()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        await using TokenManager tokens = CreateTokens(host, http);

        await tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        string token = await tokens.GetTokenAsync(CancellationToken.None);
        string again = await tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal(host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId).Single(), token);
        Assert.Equal(token, again);
        Assert.Equal(1, host.TokenRequests);
        Assert.Contains("token acquired, expires_in=7200s", AuthLines(host));
        Assert.False(tokens.Fatal.IsCompleted);
        AssertNoSecretsLogged(host);
    }

    [Fact]
    public async Task Wrong_secret_is_fatal_10001_and_never_retried()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        const string wrongSecret = "wrong-secret-must-not-leak-42";
        await using TokenManager tokens = CreateTokens(host, http, wrongSecret);

        var error = await Assert.ThrowsAsync<MitiAuthException>(() => tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        var again = await Assert.ThrowsAsync<MitiAuthException>(async () => await tokens.GetTokenAsync(CancellationToken.None));
        host.Time.Advance(TimeSpan.FromHours(3));

        Assert.Equal(WireNames.Codes.InvalidCredentials, error.Code);
        Assert.Equal(WireNames.Codes.InvalidCredentials, again.Code);
        Assert.Equal(1, host.TokenRequests);
        Assert.True(tokens.Fatal.IsFaulted);
        Assert.IsType<MitiAuthException>(tokens.Fatal.Exception!.InnerException);
        Assert.Contains("auth token API error: code=10001 msg=invalid app_id or app_secret", AuthLines(host));
        Assert.DoesNotContain(wrongSecret, error.ToString(), StringComparison.Ordinal);
        AssertNoSecretsLogged(host, wrongSecret);
    }

    [Fact]
    public async Task Disabled_app_is_fatal_10004()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync();
        host.Emulator.SetAppDisabled(EmulatorTestHost.AppId);
        using var http = new HttpClient();
        await using TokenManager tokens = CreateTokens(host, http);

        var error = await Assert.ThrowsAsync<MitiAuthException>(() => tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.Equal(WireNames.Codes.AppDisabled, error.Code);
        Assert.Equal(1, host.TokenRequests);
        Assert.True(tokens.Fatal.IsFaulted);
        Assert.Contains("auth token API error: code=10004 msg=app disabled", AuthLines(host));
    }

    [Fact]
    public async Task Hundred_concurrent_callers_without_a_token_share_one_request()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        await using TokenManager tokens = CreateTokens(host, http);

        string[] results = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(_ => Task.Run(async () => await tokens.GetTokenAsync(CancellationToken.None)))).WaitAsync(Timeout);

        Assert.Equal(1, host.TokenRequests);
        Assert.Single(results.Distinct());
        Assert.Equal(host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId).Single(), results[0]);
    }

    [Fact]
    public async Task Hundred_concurrent_callers_after_invalidate_share_one_request_and_a_stale_invalidate_is_ignored()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        await using TokenManager tokens = CreateTokens(host, http);
        await tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        string first = await tokens.GetTokenAsync(CancellationToken.None);

        tokens.Invalidate(first, "test");
        string[] results = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(_ => Task.Run(async () => await tokens.GetTokenAsync(CancellationToken.None)))).WaitAsync(Timeout);

        Assert.Equal(2, host.TokenRequests);
        string second = Assert.Single(results.Distinct());
        Assert.NotEqual(first, second);
        Assert.Contains("access token rejected by the server (test), fetching a new one", AuthLines(host));

        tokens.Invalidate(first, "stale");
        Assert.Equal(second, await tokens.GetTokenAsync(CancellationToken.None));
        Assert.Equal(2, host.TokenRequests);
        AssertNoSecretsLogged(host);
    }

    [Theory]
    [InlineData(7200, 5760)]
    [InlineData(5, 4)]
    public async Task Refreshes_proactively_at_exactly_80_percent_of_the_lifetime(int lifetimeSeconds, int refreshAtSeconds)
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync(tokenLifetime: TimeSpan.FromSeconds(lifetimeSeconds));
        using var http = new HttpClient();
        await using TokenManager tokens = CreateTokens(host, http);
        await tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        string first = await tokens.GetTokenAsync(CancellationToken.None);

        host.Time.Advance(TimeSpan.FromSeconds(refreshAtSeconds) - TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain("refreshing access token", AuthLines(host));
        Assert.Equal(first, await tokens.GetTokenAsync(CancellationToken.None));
        Assert.Equal(1, host.TokenRequests);

        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        await EmulatorTestHost.WaitUntilAsync(() => AuthLines(host).Count(l => l.StartsWith("token acquired", StringComparison.Ordinal)) == 2, "the refreshed token");

        Assert.Equal(2, host.TokenRequests);
        string second = await tokens.GetTokenAsync(CancellationToken.None);
        Assert.Equal(host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId)[1], second);
        Assert.NotEqual(first, second);

        // The next refresh is again due at 80 % of the new token's lifetime.
        host.Time.Advance(TimeSpan.FromSeconds(refreshAtSeconds));
        await EmulatorTestHost.WaitUntilAsync(() => host.TokenRequests == 3, "the second refresh");
    }

    [Fact]
    public async Task Failed_refresh_keeps_the_valid_token_and_retries_with_growing_delays()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        await using TokenManager tokens = CreateTokens(host, http, random: new Random(7));
        await tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        string first = await tokens.GetTokenAsync(CancellationToken.None);
        host.Emulator.Faults.FailNextRequests(3, 503, pathPrefix: WireNames.Paths.Token);

        host.Time.Advance(TimeSpan.FromSeconds(5760));
        for (int failure = 1; failure <= 3; failure++)
        {
            await EmulatorTestHost.WaitUntilAsync(() => RefreshFailures(host).Length == failure, "refresh failure " + failure);
            Assert.Equal(first, await tokens.GetTokenAsync(CancellationToken.None));
            Assert.Equal(1 + failure, host.TokenRequests);

            // The retry is armed for at most min(60 s, 1 s·2ⁿ): advancing that far fires exactly one retry.
            host.Time.Advance(Backoff.Ceiling(failure - 1));
            await EmulatorTestHost.WaitUntilAsync(() => host.TokenRequests == 2 + failure, "retry " + failure);
        }

        await EmulatorTestHost.WaitUntilAsync(() => AuthLines(host).Count(l => l.StartsWith("token acquired", StringComparison.Ordinal)) == 2, "the refreshed token");
        string second = await tokens.GetTokenAsync(CancellationToken.None);
        Assert.NotEqual(first, second);
        Assert.Equal(5, host.TokenRequests);

        RequestRecord[] requests = host.Emulator.Requests.Where(r => r.Path == WireNames.Paths.Token).ToArray();
        Assert.Equal([200, 503, 503, 503, 200], requests.Select(r => r.StatusCode));
        long[] gaps = [requests[2].At - requests[1].At, requests[3].At - requests[2].At, requests[4].At - requests[3].At];
        Assert.True(gaps[0] > 0 && gaps[0] < gaps[1] && gaps[1] < gaps[2], "retry gaps grow: " + string.Join(", ", gaps));

        double[] logged = RefreshFailures(host);
        for (int n = 0; n < logged.Length; n++)
        {
            double ceiling = Backoff.Ceiling(n).TotalSeconds;
            Assert.InRange(logged[n], 0.8 * ceiling - 0.05, ceiling);
        }

        AssertNoSecretsLogged(host);
    }

    [Fact]
    public async Task Expired_token_with_failing_refresh_is_fetched_single_flight_and_the_failure_reaches_callers()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync(tokenLifetime: TimeSpan.FromSeconds(5));
        using var gate = new GatedHandler();
        using var http = new HttpClient(gate);
        await using TokenManager tokens = CreateTokens(host, http, random: new Random(3));
        await tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        host.Emulator.Faults.FailNextRequests(100, 503, pathPrefix: WireNames.Paths.Token);

        host.Time.Advance(TimeSpan.FromSeconds(4));
        await EmulatorTestHost.WaitUntilAsync(() => RefreshFailures(host).Length == 1, "the first refresh failure");
        host.Time.Advance(TimeSpan.FromSeconds(1)); // the token expires; the armed retry (≤ 1 s) fails too
        await EmulatorTestHost.WaitUntilAsync(() => RefreshFailures(host).Length == 2, "the second refresh failure");
        int before = host.TokenRequests;

        // The token request is held until every caller has asked, so none can start a second one.
        gate.Close();
        Task<string>[] callers = Enumerable.Range(0, 20).Select(_ => tokens.GetTokenAsync(CancellationToken.None).AsTask()).ToArray();
        await EmulatorTestHost.WaitUntilAsync(() => gate.Held == 1, "the held token request");
        Assert.All(callers, c => Assert.False(c.IsCompleted));
        gate.Open();
        var errors = new List<MitiApiException>();
        foreach (Task<string> caller in callers)
        {
            errors.Add(await Assert.ThrowsAsync<MitiApiException>(() => caller.WaitAsync(Timeout)));
        }

        Assert.All(errors, e => Assert.Same(errors[0], e));
        Assert.Equal(503, errors[0].HttpStatus);
        Assert.Equal(WireNames.Codes.InternalError, errors[0].Code);
        Assert.Equal(before + 1, host.TokenRequests);
        Assert.Equal(1, gate.Held);
        Assert.False(tokens.Fatal.IsCompleted);
    }

    [Fact]
    public async Task Dispose_stops_the_refresh_timer_and_is_idempotent()
    {
        await using EmulatorTestHost host = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        TokenManager tokens = CreateTokens(host, http);
        await tokens.GetTokenAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

        await tokens.DisposeAsync();
        await tokens.DisposeAsync();
        host.Time.Advance(TimeSpan.FromHours(3));

        Assert.Equal(1, host.TokenRequests);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await tokens.GetTokenAsync(CancellationToken.None));
    }

    /// <summary>Passes requests to a real socket handler; while closed, holds them (and counts them) until opened.</summary>
    private sealed class GatedHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private TaskCompletionSource? _gate;
        private int _held;

        public int Held => Volatile.Read(ref _held);

        public void Close() => Volatile.Write(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Open() => Volatile.Read(ref _gate)?.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _gate) is { } gate)
            {
                Interlocked.Increment(ref _held);
                await gate.Task.WaitAsync(cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    private static double[] RefreshFailures(EmulatorTestHost host) =>
        AuthLines(host)
            .Select(l => Regex.Match(l, @"^auto-refresh failed, will retry in ([0-9.]+)s$"))
            .Where(m => m.Success)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToArray();
}
