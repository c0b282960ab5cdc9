namespace MitiAgent.Http;

/// <summary>The one <see cref="HttpClient"/> a client uses for its token, send and history calls.</summary>
internal static class MitiHttpClient
{
    /// <summary>
    /// A client over <paramref name="handler"/> (not disposed with it), or over an own pooled handler whose
    /// connections are renewed every 5 minutes (DNS changes); requests time out after 100 s.
    /// </summary>
    public static HttpClient Create(HttpMessageHandler? handler)
    {
        var http = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(100);
        return http;
    }
}
