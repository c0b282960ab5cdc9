using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using MitiAgent.Diagnostics;
using MitiAgent.Http;
using MitiAgent.Internal;
using MitiAgent.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Auth;

/// <summary>
/// Owns the app's access token (spec §3): fetches it with <c>POST /agent/v1/auth/token</c>, refreshes it
/// proactively after 80 % of its lifetime on the <see cref="TimeProvider"/>, and shares one in-flight request among
/// all concurrent callers. A failed refresh keeps the still-valid token and retries with
/// <see cref="Backoff.RefreshRetryDelay"/>. Codes 10001/10004 are fatal: never retried, <see cref="Fatal"/> faults.
/// Neither the token nor the app secret is ever logged or put into an exception message.
/// </summary>
internal sealed class TokenManager : IAsyncDisposable
{
    /// <summary>System timers reject due times beyond ~49 days; a longer-lived token is simply refreshed earlier.</summary>
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromDays(30);

    private readonly MitiEndpoints _endpoints;
    private readonly string _appId;
    private readonly string _appSecret;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random? _random;
    private readonly MitiMetrics _metrics;
    private readonly ITimer _refreshTimer;
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly CancellationToken _disposing;
    private readonly TaskCompletionSource _fatal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();

    private string? _token;
    private DateTimeOffset _expiresAt;
    private Task<string>? _inflight;
    private MitiAuthException? _fatalError;
    private int _refreshFailures;
    private bool _everAcquired;
    private bool _disposed;

    public TokenManager(MitiEndpoints endpoints, string appId, string appSecret, HttpClient http, TimeProvider time, ILogger authLogger, Random? random = null, MitiMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(appId);
        ArgumentException.ThrowIfNullOrWhiteSpace(appSecret);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(authLogger);
        _endpoints = endpoints;
        _appId = appId;
        _appSecret = appSecret;
        _http = http;
        _time = time;
        _logger = authLogger;
        _random = random;
        _metrics = metrics ?? MitiMetrics.Shared;
        _disposing = _disposeCts.Token;
        _refreshTimer = time.CreateTimer(
            static state => _ = ((TokenManager)state!).RefreshAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Faults with the <see cref="MitiAuthException"/> when a token request (background refresh or not) gets 10001/10004.</summary>
    public Task Fatal => _fatal.Task;

    /// <summary>A valid token; while there is none, all callers share one token request.</summary>
    public ValueTask<string> GetTokenAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (!_disposed && CurrentToken() is { } token)
            {
                return new ValueTask<string>(token);
            }
        }

        return new ValueTask<string>(Acquire(forceNew: false).WaitAsync(ct));
    }

    /// <summary>
    /// The server rejected <paramref name="token"/> (REST 10002/401, gateway 401 or close 4001): drops it if it is still
    /// the current one, so the next <see cref="GetTokenAsync"/> fetches a new one. A stale token is ignored.
    /// </summary>
    /// <param name="token">The rejected token.</param>
    /// <param name="source">Where the rejection came from, for the log (e.g. <c>REST 10002</c>, <c>close 4001</c>).</param>
    public void Invalidate(string token, string source = "unspecified")
    {
        ArgumentNullException.ThrowIfNull(token);
        bool dropped;
        lock (_gate)
        {
            dropped = _token is not null && string.Equals(_token, token, StringComparison.Ordinal);
            if (dropped)
            {
                _token = null;
            }
        }

        if (dropped)
        {
            AuthLog.TokenRejected(_logger, source);
        }
    }

    /// <summary>Stops the refresh timer and cancels an in-flight token request. Idempotent.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            _token = null;
        }

        _refreshTimer.Dispose();
        _disposeCts.Cancel(); // not disposed: an in-flight request may still observe its token
        return ValueTask.CompletedTask;
    }

    /// <summary>The current token if it has not expired. Call under <see cref="_gate"/>.</summary>
    private string? CurrentToken() => _token is not null && _time.GetUtcNow() < _expiresAt ? _token : null;

    /// <summary>Joins the in-flight token request or starts one (<paramref name="forceNew"/>: even while a token is valid).</summary>
    private Task<string> Acquire(bool forceNew)
    {
        TaskCompletionSource<string>? owner = null;
        string trigger = MitiMetrics.TokenTriggers.Initial;
        Task<string> task;
        lock (_gate)
        {
            if (_disposed)
            {
                return Task.FromException<string>(new ObjectDisposedException(nameof(TokenManager)));
            }

            if (_fatalError is not null)
            {
                return Task.FromException<string>(_fatalError);
            }

            if (!forceNew && CurrentToken() is { } token)
            {
                return Task.FromResult(token);
            }

            if (_inflight is null)
            {
                owner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                _inflight = owner.Task;
                trigger = forceNew ? MitiMetrics.TokenTriggers.Scheduled
                    : _everAcquired ? MitiMetrics.TokenTriggers.OnDemand
                    : MitiMetrics.TokenTriggers.Initial;
            }

            task = _inflight;
        }

        if (owner is not null)
        {
            _ = FetchAsync(owner, trigger);
        }

        return task;
    }

    /// <summary>Runs one token request and completes <paramref name="owner"/>; never throws.</summary>
    /// <param name="owner">Completed with the token or the error.</param>
    /// <param name="trigger">Why the token is requested, for <see cref="MitiTelemetry.Instruments.TokenRefreshes"/>.</param>
    private async Task FetchAsync(TaskCompletionSource<string> owner, string trigger)
    {
        try
        {
            TokenData data = await RequestTokenAsync(_disposing).ConfigureAwait(false);
            string token = data.AccessToken!;
            TimeSpan lifetime = TimeSpan.FromSeconds(data.ExpiresIn);
            TimeSpan refreshAfter = TimeSpan.FromTicks(lifetime.Ticks / 5 * 4);
            lock (_gate)
            {
                _inflight = null;
                ObjectDisposedException.ThrowIf(_disposed, this);
                _token = token;
                _expiresAt = _time.GetUtcNow() + lifetime;
                _everAcquired = true;
                _refreshFailures = 0;
                _refreshTimer.Change(refreshAfter < MaxTimerDue ? refreshAfter : MaxTimerDue, Timeout.InfiniteTimeSpan);
            }

            _metrics.TokenRequested(trigger, success: true);
            AuthLog.TokenAcquired(_logger, data.ExpiresIn);
            owner.SetResult(token);
        }
        catch (Exception ex)
        {
            if (!_disposing.IsCancellationRequested)
            {
                _metrics.TokenRequested(trigger, success: false);
            }

            lock (_gate)
            {
                _inflight = null;
                if (ex is MitiAuthException fatal)
                {
                    _fatalError ??= fatal;
                }
            }

            if (ex is MitiAuthException auth && _fatal.TrySetException(auth))
            {
                // The callers of this request see the error too; reading Exception keeps an unwatched Fatal from being reported as unobserved.
                _ = _fatal.Task.Exception;
            }

            owner.SetException(ex);
        }
    }

    /// <summary>The proactive refresh (timer callback); on a transient failure it re-arms the timer with a growing delay.</summary>
    private async Task RefreshAsync()
    {
        AuthLog.RefreshStarted(_logger);
        try
        {
            await Acquire(forceNew: true).ConfigureAwait(false);
        }
        catch (MitiAuthException)
        {
            // Fatal: already surfaced through Fatal; never retried.
        }
        catch (Exception ex)
        {
            TimeSpan delay;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                delay = Backoff.RefreshRetryDelay(_refreshFailures, _random);
                _refreshFailures = Math.Min(_refreshFailures + 1, 30);
                _refreshTimer.Change(delay, Timeout.InfiniteTimeSpan);
            }

            AuthLog.AutoRefreshFailed(_logger, Backoff.ToLogSeconds(delay), ex);
        }
    }

    private async Task<TokenData> RequestTokenAsync(CancellationToken ct)
    {
        using var content = JsonContent.Create(new TokenRequest { AppId = _appId, AppSecret = _appSecret }, MitiJsonContext.Default.TokenRequest);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(_endpoints.TokenUri, content, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            AuthLog.TokenRequestFailed(_logger, null, ex);
            throw;
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            ApiResponse<TokenData>? envelope = await ApiEnvelope.ReadAsync(response, MitiJsonContext.Default.ApiResponseTokenData, ct).ConfigureAwait(false);
            if (envelope is { Code: WireNames.Codes.InvalidCredentials or WireNames.Codes.AppDisabled })
            {
                AuthLog.TokenApiError(_logger, envelope.Code, envelope.Msg);
                throw new MitiAuthException(envelope.Code, envelope.Msg);
            }

            if (!response.IsSuccessStatusCode)
            {
                AuthLog.TokenRequestFailed(_logger, status, null);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    _metrics.RateLimitedAnswer(MitiMetrics.Operations.Token);
                    throw new MitiRateLimitedException(ApiEnvelope.RetryAfter(response.Headers.RetryAfter, _time), envelope?.Msg);
                }

                throw new MitiApiException(envelope?.Code ?? 0, envelope?.Msg ?? response.ReasonPhrase, status);
            }

            if (envelope is not { Code: WireNames.Codes.Ok })
            {
                AuthLog.TokenApiError(_logger, envelope?.Code ?? 0, envelope?.Msg ?? "response is not an envelope");
                throw new MitiApiException(envelope?.Code ?? 0, envelope?.Msg ?? "response is not an envelope", status);
            }

            if (envelope.Data is not { AccessToken.Length: > 0, ExpiresIn: > 0 } data)
            {
                AuthLog.TokenApiError(_logger, envelope.Code, "response has no access_token or expires_in");
                throw new MitiApiException(envelope.Code, "token response has no access_token or expires_in", status);
            }

            return data;
        }
    }
}
