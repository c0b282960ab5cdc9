namespace MitiAgent.Tests;

public class OptionsTests
{
    private static MitiAgentOptions Valid() => new() { AppId = "cli_a1b2c3", AppSecret = "secret_TOPSECRET" };

    [Fact]
    public void Defaults_match_the_reference_and_the_spec()
    {
        var options = new MitiAgentOptions();
        Assert.Equal(64, options.MaxConcurrency);
        Assert.Equal(4, options.OverloadConcurrency);
        Assert.Equal(256, options.CancelQueueCapacity);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ShutdownTimeout);
        Assert.True(options.RegisterSignals);
        Assert.Equal(10_000, options.SeenEventCapacity);
        Assert.Equal(TimeSpan.FromMinutes(10), options.SeenEventTtl);
        Assert.Equal(3, options.MaxSendRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.StreamDeltaInterval);
        Assert.Null(options.BaseUrl);
    }

    [Fact]
    public void Valid_options_pass()
    {
        Valid().Validate();
        MitiAgentOptions withUrl = Valid();
        withUrl.BaseUrl = "http://localhost:10006/chat";
        withUrl.Validate();
    }

    [Theory]
    [InlineData(null, "secret", "AppId")]
    [InlineData("  ", "secret", "AppId")]
    [InlineData("cli", null, "AppSecret")]
    [InlineData("cli", "", "AppSecret")]
    public void Missing_credentials_are_configuration_errors(string? appId, string? appSecret, string named)
    {
        var options = new MitiAgentOptions { AppId = appId, AppSecret = appSecret };
        var error = Assert.Throws<MitiConfigurationException>(options.Validate);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<Action<MitiAgentOptions>, string> BadValues() => new()
    {
        { o => o.MaxConcurrency = 0, "MaxConcurrency" },
        { o => o.OverloadConcurrency = -1, "OverloadConcurrency" },
        { o => o.CancelQueueCapacity = 0, "CancelQueueCapacity" },
        { o => o.SeenEventCapacity = 0, "SeenEventCapacity" },
        { o => o.SeenEventTtl = TimeSpan.Zero, "SeenEventTtl" },
        { o => o.ShutdownTimeout = TimeSpan.FromSeconds(-1), "ShutdownTimeout" },
        { o => o.MaxSendRetries = -1, "MaxSendRetries" },
        { o => o.ConnectTimeout = TimeSpan.Zero, "ConnectTimeout" },
        { o => o.StreamDeltaInterval = TimeSpan.FromMilliseconds(10), "StreamDeltaInterval" },
        { o => o.BaseUrl = "http://example.com/chat", "example.com" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Bad_values_are_configuration_errors_without_the_secret(Action<MitiAgentOptions> spoil, string named)
    {
        MitiAgentOptions options = Valid();
        spoil(options);
        var error = Assert.Throws<MitiConfigurationException>(options.Validate);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_overload_concurrency_is_allowed()
    {
        MitiAgentOptions options = Valid();
        options.OverloadConcurrency = 0;
        options.Validate();
    }

    [Fact]
    public void ToString_never_shows_the_secret_or_the_query()
    {
        MitiAgentOptions options = Valid();
        options.BaseUrl = "https://user:pw@miti.example/chat?token=QUERYSECRET";
        string text = options.ToString();
        Assert.DoesNotContain("TOPSECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("QUERYSECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pw@", text, StringComparison.Ordinal);
        Assert.Contains("AppSecret = ***", text, StringComparison.Ordinal);
        Assert.Contains("AppId = cli_a1b2c3", text, StringComparison.Ordinal);
        Assert.Contains("https://miti.example/chat", text, StringComparison.Ordinal);
        Assert.Contains("AppSecret = (unset)", new MitiAgentOptions().ToString(), StringComparison.Ordinal);
    }
}
