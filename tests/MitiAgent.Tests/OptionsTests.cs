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
        Assert.Equal(1024 * 1024, options.MaxInboundFrameBytes);
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

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static Func<string, string?> Environment(string? appId, string? appSecret) => name => name switch
    {
        MitiAgentOptions.AppIdEnvironmentVariable => appId,
        MitiAgentOptions.AppSecretEnvironmentVariable => appSecret,
        _ => null,
    };

    [Theory]
    [InlineData(null, "secret", "AppId is required: set MitiAgentOptions.AppId or MITI_APP_ID.")]
    [InlineData("  ", "secret", "AppId is required: set MitiAgentOptions.AppId or MITI_APP_ID.")]
    [InlineData("cli", null, "AppSecret is required: set MitiAgentOptions.AppSecret or MITI_APP_SECRET.")]
    [InlineData("cli", "", "AppSecret is required: set MitiAgentOptions.AppSecret or MITI_APP_SECRET.")]
    public void Missing_credentials_are_configuration_errors_naming_the_option_and_the_environment_variable(string? appId, string? appSecret, string message)
    {
        var options = new MitiAgentOptions { AppId = appId, AppSecret = appSecret };
        var error = Assert.Throws<MitiConfigurationException>(() => options.Validate(NoEnvironment));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Environment_variable_names_are_the_reference_sdks()
    {
        Assert.Equal("MITI_APP_ID", MitiAgentOptions.AppIdEnvironmentVariable);
        Assert.Equal("MITI_APP_SECRET", MitiAgentOptions.AppSecretEnvironmentVariable);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t")]
    public void Unset_or_blank_credentials_fall_back_to_the_environment(string? configured)
    {
        var options = new MitiAgentOptions { AppId = configured, AppSecret = configured };
        var env = Environment("cli_from_env", "secret_from_env");

        options.Validate(env);
        Assert.Equal(("cli_from_env", "secret_from_env"), options.ResolveCredentials(env));
        Assert.Equal(configured, options.AppId); // the options themselves are not rewritten
    }

    [Fact]
    public void Set_credentials_win_over_the_environment_each_on_its_own()
    {
        var env = Environment("cli_from_env", "secret_from_env");

        Assert.Equal(("cli_set", "secret_from_env"), new MitiAgentOptions { AppId = "cli_set" }.ResolveCredentials(env));
        Assert.Equal(("cli_from_env", "secret_set"), new MitiAgentOptions { AppSecret = "secret_set" }.ResolveCredentials(env));
        Assert.Equal(("cli_set", "secret_set"), new MitiAgentOptions { AppId = "cli_set", AppSecret = "secret_set" }.ResolveCredentials(env));
    }

    [Theory]
    [InlineData(null, "secret_from_env", "MITI_APP_ID")]
    [InlineData("cli_from_env", " ", "MITI_APP_SECRET")]
    public void Blank_environment_variables_count_as_unset(string? appIdEnv, string? appSecretEnv, string named)
    {
        var error = Assert.Throws<MitiConfigurationException>(() => new MitiAgentOptions().Validate(Environment(appIdEnv, appSecretEnv)));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret_from_env", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_prefers_explicit_credentials_to_the_process_environment()
    {
        // Validate() and the client read the real process environment; whatever it holds, an explicit value wins and
        // the client shows the app id in use (and never the secret).
        var options = new MitiAgentOptions { AppId = "cli_explicit", AppSecret = "secret_TOPSECRET", BaseUrl = "http://127.0.0.1:1/chat" };
        options.Validate();
        await using var client = new MitiAgentClient(options);
        Assert.Contains("AppId = cli_explicit", client.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", client.ToString(), StringComparison.Ordinal);
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
        { o => o.MaxInboundFrameBytes = MitiAgentOptions.MinInboundFrameBytes - 1, "MaxInboundFrameBytes must be at least 65536" },
        { o => o.MaxInboundFrameBytes = 0, "MaxInboundFrameBytes" },
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
