using MitiAgent.Protocol;

namespace MitiAgent.Tests;

public class EndpointsTests
{
    private static Func<string, string?> Env(string? value) =>
        name => name == "MITI_API_BASE_URL" ? value : null;

    [Fact]
    public void Default_is_production_with_wss_gateway()
    {
        MitiEndpoints endpoints = MitiEndpoints.Resolve(null, Env(null));
        Assert.Equal("https://www.miti.chat/chat", endpoints.BaseUrl);
        Assert.Equal("wss://www.miti.chat/chat/agent/gateway", endpoints.GatewayUri.AbsoluteUri);
        Assert.Equal("https://www.miti.chat/chat/agent/v1/auth/token", endpoints.TokenUri.AbsoluteUri);
        Assert.Equal("https://www.miti.chat/chat/agent/v1/messages/send", endpoints.SendMessageUri.AbsoluteUri);
        Assert.False(endpoints.IsLoopback);
    }

    [Fact]
    public void Options_value_wins_over_environment()
    {
        MitiEndpoints endpoints = MitiEndpoints.Resolve("https://a.example/chat", Env("https://b.example/chat"));
        Assert.Equal("https://a.example/chat", endpoints.BaseUrl);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Blank_options_value_falls_back_to_environment(string? configured)
    {
        MitiEndpoints endpoints = MitiEndpoints.Resolve(configured, Env("https://b.example/chat"));
        Assert.Equal("https://b.example/chat", endpoints.BaseUrl);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t")]
    public void Blank_environment_falls_back_to_default(string env)
    {
        Assert.Equal("https://www.miti.chat/chat", MitiEndpoints.Resolve("  ", Env(env)).BaseUrl);
    }

    [Fact]
    public void Default_environment_reader_is_used_when_none_is_given()
    {
        // Whatever the process environment says, resolution succeeds or names the env variable as the source.
        try
        {
            Assert.NotNull(MitiEndpoints.Resolve(null));
        }
        catch (MitiConfigurationException error)
        {
            Assert.Contains("MITI_API_BASE_URL", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("https://a.example/chat/", "https://a.example/chat")]
    [InlineData("https://a.example/chat//", "https://a.example/chat/")]
    [InlineData("https://a.example/", "https://a.example")]
    [InlineData("https://a.example", "https://a.example")]
    [InlineData("https://A.Example:8443/chat", "https://a.example:8443/chat")]
    public void One_trailing_slash_is_trimmed(string input, string expected)
    {
        Assert.Equal(expected, MitiEndpoints.Resolve(input, Env(null)).BaseUrl);
    }

    [Theory]
    [InlineData("http://localhost:10006/chat", "ws://localhost:10006/chat/agent/gateway")]
    [InlineData("http://LOCALHOST:10006/chat", "ws://localhost:10006/chat/agent/gateway")]
    [InlineData("http://127.0.0.1:5000/chat", "ws://127.0.0.1:5000/chat/agent/gateway")]
    [InlineData("http://127.4.5.6/chat", "ws://127.4.5.6/chat/agent/gateway")]
    [InlineData("http://[::1]:8080/chat", "ws://[::1]:8080/chat/agent/gateway")]
    [InlineData("https://localhost/chat", "wss://localhost/chat/agent/gateway")]
    public void Http_is_allowed_for_loopback_hosts(string input, string gateway)
    {
        MitiEndpoints endpoints = MitiEndpoints.Resolve(input, Env(null));
        Assert.Equal(gateway, endpoints.GatewayUri.AbsoluteUri);
        Assert.True(endpoints.IsLoopback);
    }

    [Theory]
    [InlineData("http://example.com/chat?token=SECRET123", "example.com")]
    [InlineData("http://10.0.0.5/chat", "10.0.0.5")]
    [InlineData("http://128.0.0.1/chat", "128.0.0.1")]
    [InlineData("http://localhost.example.com/chat", "localhost.example.com")]
    [InlineData("http://[::2]/chat", "[::2]")]
    [InlineData("ws://localhost/chat", "localhost")]
    [InlineData("ftp://miti.example/chat", "miti.example")]
    public void Insecure_or_foreign_schemes_are_refused_naming_host_and_rule(string input, string host)
    {
        var error = Assert.Throws<MitiConfigurationException>(() => MitiEndpoints.Resolve(input, Env(null)));
        Assert.Contains("'" + host + "'", error.Message, StringComparison.Ordinal);
        Assert.Contains("https", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET123", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/chat", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Insecure_environment_value_is_refused_and_names_the_variable()
    {
        var error = Assert.Throws<MitiConfigurationException>(() => MitiEndpoints.Resolve(null, Env("http://evil.example/chat")));
        Assert.Contains("MITI_API_BASE_URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("'evil.example'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://user:PASSWORD1@a.example/chat", "user info")]
    [InlineData("https://a.example/chat?x=QUERYVALUE", "query")]
    [InlineData("https://a.example/chat#frag", "fragment")]
    [InlineData("not a url", "absolute")]
    [InlineData("/chat", "absolute")]
    public void Malformed_urls_are_refused_without_echoing_them(string input, string rule)
    {
        var error = Assert.Throws<MitiConfigurationException>(() => MitiEndpoints.Resolve(input, Env(null)));
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PASSWORD1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("QUERYVALUE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void History_uri_escapes_the_conversation_and_checks_the_limit()
    {
        MitiEndpoints endpoints = MitiEndpoints.Resolve("http://localhost:10006/chat", Env(null));
        Assert.Equal(
            "http://localhost:10006/chat/agent/v1/conversations/conv%2Fa%20b/messages?limit=10",
            endpoints.HistoryUri("conv/a b", 10).AbsoluteUri);
        Assert.EndsWith("?limit=20", endpoints.HistoryUri("c").AbsoluteUri, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => endpoints.HistoryUri("c", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => endpoints.HistoryUri("c", 101));
        Assert.Throws<ArgumentException>(() => endpoints.HistoryUri(" "));
    }
}
