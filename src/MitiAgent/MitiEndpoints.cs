using System.Globalization;
using System.Net;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// The resolved, validated addresses of one Miti deployment (spec §1): the REST base URL and the gateway
/// WebSocket URL derived from it.
/// </summary>
public sealed class MitiEndpoints
{
    private MitiEndpoints(string baseUrl, string gatewayUrl, bool isLoopback)
    {
        BaseUrl = baseUrl;
        BaseUri = new Uri(baseUrl, UriKind.Absolute);
        GatewayUri = new Uri(gatewayUrl, UriKind.Absolute);
        IsLoopback = isLoopback;
    }

    /// <summary>The base URL, normalised, without a trailing <c>/</c>; every REST path is appended to it.</summary>
    public string BaseUrl { get; }

    /// <summary><see cref="BaseUrl"/> as a <see cref="Uri"/>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The gateway URL: <see cref="BaseUrl"/> with <c>https→wss</c> / <c>http→ws</c>, plus <see cref="WireNames.Paths.Gateway"/>.</summary>
    public Uri GatewayUri { get; }

    /// <summary>Whether the host is a loopback host (the only hosts allowed over plain <c>http</c>).</summary>
    public bool IsLoopback { get; }

    /// <summary>The token endpoint (spec §3).</summary>
    public Uri TokenUri => Combine(WireNames.Paths.Token);

    /// <summary>The send-message endpoint (spec §6.1).</summary>
    public Uri SendMessageUri => Combine(WireNames.Paths.SendMessage);

    /// <summary>The history endpoint of a conversation (spec §7); the id is URL-escaped.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="limit">The page size, 1–100.</param>
    /// <returns>The absolute URI with the <c>limit</c> query parameter.</returns>
    /// <exception cref="ArgumentException"><paramref name="conversationId"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1–100.</exception>
    public Uri HistoryUri(string conversationId, int limit = WireNames.Defaults.HistoryDefaultLimit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, WireNames.Defaults.HistoryMinLimit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, WireNames.Defaults.HistoryMaxLimit);
        return new Uri(
            BaseUrl + WireNames.Paths.History(conversationId) + "?limit=" + limit.ToString(CultureInfo.InvariantCulture),
            UriKind.Absolute);
    }

    /// <inheritdoc />
    public override string ToString() => BaseUrl;

    /// <summary>
    /// Resolves the base URL as spec §1 says: <paramref name="configuredBaseUrl"/>, else the environment variable
    /// <see cref="WireNames.BaseUrlEnvironmentVariable"/>, else <see cref="WireNames.DefaultBaseUrl"/>. Empty or whitespace
    /// counts as unset; one trailing <c>/</c> is trimmed; <c>https</c> is required except for loopback hosts.
    /// </summary>
    /// <param name="configuredBaseUrl">The value from code or options, if any.</param>
    /// <param name="getEnvironmentVariable">Reads an environment variable; <see langword="null"/> means <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    /// <returns>The validated endpoints.</returns>
    /// <exception cref="MitiConfigurationException">The URL is malformed, insecure, or has user info, a query or a fragment.
    /// The message names the host and the rule, never the full URL.</exception>
    public static MitiEndpoints Resolve(string? configuredBaseUrl, Func<string, string?>? getEnvironmentVariable = null)
    {
        if (!string.IsNullOrWhiteSpace(configuredBaseUrl))
        {
            return Parse(configuredBaseUrl, "MitiAgentOptions.BaseUrl");
        }

        string? fromEnvironment = (getEnvironmentVariable ?? Environment.GetEnvironmentVariable)(WireNames.BaseUrlEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Parse(fromEnvironment, "environment variable " + WireNames.BaseUrlEnvironmentVariable);
        }

        return Parse(WireNames.DefaultBaseUrl, "the default base URL");
    }

    /// <summary>Whether <paramref name="uri"/>'s host is <c>localhost</c>, any <c>127.x.y.z</c> or <c>[::1]</c>.</summary>
    /// <param name="uri">An absolute URI.</param>
    /// <returns><see langword="true"/> for a loopback host.</returns>
    public static bool IsLoopbackHost(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        switch (uri.HostNameType)
        {
            case UriHostNameType.Dns:
                return string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase);
            case UriHostNameType.IPv4:
                return IPAddress.TryParse(uri.Host, out IPAddress? v4) && v4.GetAddressBytes()[0] == 127;
            case UriHostNameType.IPv6:
                return IPAddress.TryParse(uri.Host.AsSpan().Trim("[]"), out IPAddress? v6) && v6.Equals(IPAddress.IPv6Loopback);
            default:
                return false;
        }
    }

    /// <summary>A form of <paramref name="url"/> that is safe to print: scheme, host, port and path only.</summary>
    internal static string Redact(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "(unset)";
        }

        return Uri.TryCreate(url.Trim(), UriKind.Absolute, out Uri? uri) && !string.IsNullOrEmpty(uri.Host)
            ? uri.Scheme + "://" + uri.Authority + uri.AbsolutePath
            : "(invalid URL)";
    }

    private Uri Combine(string path) => new(BaseUrl + path, UriKind.Absolute);

    private static MitiEndpoints Parse(string value, string source)
    {
        string text = value.Trim();
        if (text.EndsWith('/'))
        {
            text = text[..^1];
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new MitiConfigurationException(
                $"The Miti base URL from {source} is not an absolute http(s) URL.");
        }

        string host = uri.Host;
        bool isHttps = string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal);
        bool isHttp = string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal);
        if (!isHttps && !isHttp)
        {
            throw new MitiConfigurationException(
                $"The Miti base URL from {source} (host '{host}') must use https (http is allowed only for localhost, 127.x.y.z and [::1]).");
        }

        bool isLoopback = IsLoopbackHost(uri);
        if (isHttp && !isLoopback)
        {
            throw new MitiConfigurationException(
                $"The Miti base URL from {source} (host '{host}') uses http, which is allowed only for loopback hosts (localhost, 127.x.y.z, [::1]); use https.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new MitiConfigurationException(
                $"The Miti base URL from {source} (host '{host}') must not contain user info; credentials belong in MitiAgentOptions.");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new MitiConfigurationException(
                $"The Miti base URL from {source} (host '{host}') must not contain a query string or fragment.");
        }

        string path = uri.AbsolutePath == "/" ? string.Empty : uri.AbsolutePath;
        string authority = uri.Authority;
        string baseUrl = uri.Scheme + "://" + authority + path;
        string gatewayUrl = (isHttps ? "wss" : "ws") + "://" + authority + path + WireNames.Paths.Gateway;
        return new MitiEndpoints(baseUrl, gatewayUrl, isLoopback);
    }
}
