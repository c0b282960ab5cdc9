using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using MitiAgent.Auth;
using MitiAgent.Diagnostics;
using MitiAgent.Http;
using MitiAgent.Internal;
using MitiAgent.Logging;
using MitiAgent.Messaging;
using MitiAgent.Protocol;

namespace MitiAgent.Rest;

/// <summary>
/// The Miti REST calls (spec §2, §6.1, §7): the JSON envelope, <c>Authorization: Bearer</c>, one token replacement
/// after 10002/HTTP 401, a client-wide pause after HTTP 429 (until the <c>Retry-After</c> instant), and bounded,
/// jittered retries of transient failures (HTTP 5xx, code 50000, transport errors).
/// </summary>
internal sealed class MitiRestClient
{
    private readonly MitiEndpoints _endpoints;
    private readonly HttpClient _http;
    private readonly TokenManager _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxRetries;
    private readonly Random? _random;
    private readonly MitiMetrics _metrics;
    private readonly object _gate = new();
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;

    public MitiRestClient(MitiEndpoints endpoints, HttpClient http, TokenManager tokens, TimeProvider time, ILogger messageLogger, int maxRetries, Random? random = null, MitiMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(messageLogger);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        _endpoints = endpoints;
        _http = http;
        _tokens = tokens;
        _time = time;
        _logger = messageLogger;
        _maxRetries = maxRetries;
        _random = random;
        _metrics = metrics ?? MitiMetrics.Shared;
    }

    /// <summary>Sends a message (spec §6.1). The request is validated before anything is sent.</summary>
    /// <exception cref="ArgumentException">The request breaks a rule of spec §6.1.</exception>
    /// <exception cref="MitiApiException">The server refused it (10003, 10012, 10013, ...) or transient failures outlasted the retries.</exception>
    /// <exception cref="MitiRateLimitedException">HTTP 429 outlasted the retries.</exception>
    /// <exception cref="MitiAuthException">The token was rejected twice in a row (10002), or the app is disabled (10004).</exception>
    public Task<SendMessageData> SendAsync(SendMessageRequest request, CancellationToken ct)
    {
        SendMessageValidation.Validate(request);
        return SendCoreAsync(request, ct);
    }

    /// <summary>The newest <paramref name="limit"/> messages of a conversation, oldest first, and <c>has_more</c> (spec §7).</summary>
    /// <exception cref="ArgumentException"><paramref name="conversationId"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1–100.</exception>
    /// <exception cref="MitiApiException">The server refused the request, or transient failures outlasted the retries.</exception>
    public Task<HistoryPage> GetHistoryPageAsync(string conversationId, int limit, CancellationToken ct)
    {
        Uri uri = _endpoints.HistoryUri(conversationId, limit);
        return GetHistoryCoreAsync(uri, ct);
    }

    private async Task<SendMessageData> SendCoreAsync(SendMessageRequest request, CancellationToken ct)
    {
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            MessageLog.SendContent(_logger, request.MsgType, request.Content!.Value.GetRawText());
        }

        SendMessageData data = await CallAsync(isSend: true, HttpMethod.Post, _endpoints.SendMessageUri, request, MitiJsonContext.Default.ApiResponseSendMessageData, ct)
            .ConfigureAwait(false);
        MessageLog.SendSuccess(_logger, string.IsNullOrWhiteSpace(request.ToUserId) ? request.ToGroupId! : request.ToUserId, data.MessageId);
        return data;
    }

    private async Task<HistoryPage> GetHistoryCoreAsync(Uri uri, CancellationToken ct)
    {
        HistoryData data = await CallAsync(isSend: false, HttpMethod.Get, uri, null, MitiJsonContext.Default.ApiResponseHistoryData, ct).ConfigureAwait(false);
        return new HistoryPage(data.Messages ?? [], data.HasMore);
    }

    private async Task<T> CallAsync<T>(bool isSend, HttpMethod method, Uri uri, SendMessageRequest? body, JsonTypeInfo<ApiResponse<T>> typeInfo, CancellationToken ct)
        where T : class
    {
        int retries = 0;
        bool tokenReplaced = false;
        while (true)
        {
            await WaitWhilePausedAsync(ct).ConfigureAwait(false);
            string token = await _tokens.GetTokenAsync(ct).ConfigureAwait(false);

            int? status = null;
            string? reason = null;
            TimeSpan? retryAfter = null;
            ApiResponse<T>? envelope = null;
            Exception? transportError = null;
            try
            {
                using var request = new HttpRequestMessage(method, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body, MitiJsonContext.Default.SendMessageRequest);
                }

                using HttpResponseMessage response = await _http.SendAsync(request, ct).ConfigureAwait(false);
                status = (int)response.StatusCode;
                reason = response.ReasonPhrase;
                retryAfter = ApiEnvelope.RetryAfter(response.Headers.RetryAfter, _time);
                envelope = await ApiEnvelope.ReadAsync(response, typeInfo, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                transportError = ex;
            }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
            {
                transportError = ex; // HttpClient.Timeout
            }

            int code = envelope?.Code ?? 0;
            string? msg = envelope?.Msg ?? reason;
            if (transportError is null && status is >= 200 and < 300 && envelope is { Code: WireNames.Codes.Ok })
            {
                if (envelope.Data is { } data)
                {
                    return data;
                }

                LogApiError(isSend, code, "response has no data");
                throw new MitiApiException(code, "response has no data", status);
            }

            if (status == 401 || code == WireNames.Codes.InvalidToken)
            {
                if (tokenReplaced)
                {
                    LogApiError(isSend, WireNames.Codes.InvalidToken, msg);
                    throw new MitiAuthException(WireNames.Codes.InvalidToken, msg);
                }

                tokenReplaced = true;
                _tokens.Invalidate(token, code == WireNames.Codes.InvalidToken ? "REST 10002" : "HTTP 401");
                continue;
            }

            if (code is WireNames.Codes.InvalidCredentials or WireNames.Codes.AppDisabled)
            {
                LogApiError(isSend, code, msg);
                throw new MitiAuthException(code, msg);
            }

            if (status == 429 || code == WireNames.Codes.RateLimited)
            {
                _metrics.RateLimitedAnswer(isSend ? MitiMetrics.Operations.Send : MitiMetrics.Operations.History);
                TimeSpan pause = retryAfter ?? Backoff.ReconnectDelay(retries, _random);
                PauseFor(pause);
                MessageLog.RateLimited(_logger, Backoff.ToLogSeconds(pause));
                if (retries >= _maxRetries)
                {
                    LogApiError(isSend, WireNames.Codes.RateLimited, msg);
                    throw new MitiRateLimitedException(retryAfter, envelope?.Msg);
                }

                retries++;
                continue;
            }

            bool transient = transportError is not null || status >= 500 || code == WireNames.Codes.InternalError;
            if (transient && retries < _maxRetries)
            {
                TimeSpan delay = Backoff.ReconnectDelay(retries, _random);
                DateTimeOffset resumeAt = _time.GetUtcNow() + delay;
                retries++;
                if (isSend)
                {
                    MessageLog.SendRetry(_logger, retries, _maxRetries, Backoff.ToLogSeconds(delay), transportError);
                }
                else
                {
                    RestLog.HistoryRetry(_logger, retries, _maxRetries, Backoff.ToLogSeconds(delay), transportError);
                }

                await ApiEnvelope.DelayUntilAsync(resumeAt, _time, ct).ConfigureAwait(false);
                continue;
            }

            if (transportError is not null)
            {
                int? transportStatus = transportError is HttpRequestException { StatusCode: { } s } ? (int)s : null;
                LogApiError(isSend, 0, transportError.Message);
                throw new MitiApiException(0, transportError.Message, transportStatus, transportError);
            }

            LogApiError(isSend, code, msg);
            throw new MitiApiException(code, msg, status);
        }
    }

    /// <summary>Starts (or extends) the client-wide pause after HTTP 429.</summary>
    private void PauseFor(TimeSpan pause)
    {
        DateTimeOffset until = _time.GetUtcNow() + pause;
        lock (_gate)
        {
            if (until > _pausedUntil)
            {
                _pausedUntil = until;
            }
        }
    }

    /// <summary>Waits until the client-wide pause (which may be extended meanwhile) is over.</summary>
    private async Task WaitWhilePausedAsync(CancellationToken ct)
    {
        while (true)
        {
            DateTimeOffset until;
            lock (_gate)
            {
                until = _pausedUntil;
            }

            if (_time.GetUtcNow() >= until)
            {
                return;
            }

            await ApiEnvelope.DelayUntilAsync(until, _time, ct).ConfigureAwait(false);
        }
    }

    private void LogApiError(bool isSend, int code, string? msg)
    {
        if (isSend)
        {
            MessageLog.SendApiError(_logger, code, msg);
        }
        else
        {
            MessageLog.HistoryApiError(_logger, code, msg);
        }
    }
}
