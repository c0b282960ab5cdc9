using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MitiAgent.Protocol;

namespace MitiAgent.Http;

/// <summary>Reading the REST envelope and the <c>Retry-After</c> header (spec §2), shared by the token and REST clients.</summary>
internal static class ApiEnvelope
{
    /// <summary>
    /// Reads the response body as an envelope; <see langword="null"/> when the body is empty or not a JSON envelope
    /// (e.g. a proxy's HTML error page).
    /// </summary>
    public static async Task<ApiResponse<T>?> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<ApiResponse<T>> typeInfo, CancellationToken cancellationToken)
    {
        try
        {
            Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(body, typeInfo, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The wait a <c>Retry-After</c> header asks for (seconds or an HTTP-date), never negative; <see langword="null"/> without the header.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, TimeProvider time)
    {
        if (header?.Delta is { } delta)
        {
            return delta > TimeSpan.Zero ? delta : TimeSpan.Zero;
        }

        if (header?.Date is { } date)
        {
            TimeSpan wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>Waits on <paramref name="time"/> until <paramref name="deadline"/> (returns at once when it has passed).</summary>
    public static async Task DelayUntilAsync(DateTimeOffset deadline, TimeProvider time, CancellationToken cancellationToken)
    {
        for (TimeSpan wait = deadline - time.GetUtcNow(); wait > TimeSpan.Zero; wait = deadline - time.GetUtcNow())
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
