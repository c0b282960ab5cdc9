using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MitiAgent.Hosting.Tests.TestSupport;

namespace MitiAgent.Hosting.Tests;

/// <summary>Options come from the <c>Miti</c> section (every key, invariant parsing) and code, and are validated when the host starts.</summary>
public sealed class ConfigurationTests
{
    private const string Secret = "cfg-secret-never-shown-8d41a7";

    [Fact]
    public void Every_key_of_the_section_is_read_with_invariant_parsing()
    {
        using var host = BuildHost(new Dictionary<string, string?>
        {
            ["Miti:AppId"] = "cli_cfg",
            ["Miti:AppSecret"] = Secret,
            ["Miti:BaseUrl"] = "https://miti.example.com/chat",
            ["Miti:MaxConcurrency"] = "12",
            ["Miti:OverloadConcurrency"] = " 0 ",
            ["Miti:CancelQueueCapacity"] = "99",
            ["Miti:ShutdownTimeout"] = "00:00:07.500",
            ["miti:seeneventcapacity"] = "1234", // configuration keys are case-insensitive
            ["Miti:SeenEventTtl"] = "1.02:03:04",
            ["Miti:MaxSendRetries"] = "-0",
            ["Miti:ConnectTimeout"] = "00:01:00",
            ["Miti:StreamDeltaInterval"] = "00:00:00.250",
            ["Miti:MaxInboundFrameBytes"] = "2097152",
        });

        var options = host.Services.GetRequiredService<IOptions<MitiAgentOptions>>().Value;

        Assert.Equal("cli_cfg", options.AppId);
        Assert.Equal(Secret, options.AppSecret);
        Assert.Equal("https://miti.example.com/chat", options.BaseUrl);
        Assert.Equal(12, options.MaxConcurrency);
        Assert.Equal(0, options.OverloadConcurrency);
        Assert.Equal(99, options.CancelQueueCapacity);
        Assert.Equal(TimeSpan.FromMilliseconds(7500), options.ShutdownTimeout);
        Assert.Equal(1234, options.SeenEventCapacity);
        Assert.Equal(new TimeSpan(1, 2, 3, 4), options.SeenEventTtl);
        Assert.Equal(0, options.MaxSendRetries);
        Assert.Equal(TimeSpan.FromMinutes(1), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.StreamDeltaInterval);
        Assert.Equal(2 * 1024 * 1024, options.MaxInboundFrameBytes);
        Assert.False(options.RegisterSignals); // the host owns Ctrl+C / SIGTERM
        Assert.Equal("https://miti.example.com/chat", host.Services.GetRequiredService<MitiAgentClient>().BaseUrl);
    }

    [Fact]
    public void Missing_keys_keep_the_defaults_and_code_configuration_wins_over_the_section()
    {
        using var host = BuildHost(
            new Dictionary<string, string?>
            {
                ["Miti:AppId"] = "cli_cfg",
                ["Miti:AppSecret"] = Secret,
                ["Miti:MaxConcurrency"] = "12",
                ["Miti:ConnectTimeout"] = "",
            },
            services => services.AddMitiAgent<SingletonAgent>(o => o.MaxConcurrency = 3));

        var options = host.Services.GetRequiredService<IOptions<MitiAgentOptions>>().Value;
        var defaults = new MitiAgentOptions();

        Assert.Equal(3, options.MaxConcurrency);
        Assert.Equal(defaults.ConnectTimeout, options.ConnectTimeout); // empty counts as unset
        Assert.Equal(defaults.ShutdownTimeout, options.ShutdownTimeout);
        Assert.Equal(defaults.OverloadConcurrency, options.OverloadConcurrency);
        Assert.Null(options.BaseUrl);
    }

    [Fact]
    public void Settings_that_belong_to_the_host_are_not_read_from_the_section()
    {
        using var host = BuildHost(new Dictionary<string, string?>
        {
            ["Miti:AppId"] = "cli_cfg",
            ["Miti:AppSecret"] = Secret,
            ["Miti:LogToStandardErrorWithoutLoggerFactory"] = "false",
            ["Miti:RegisterSignals"] = "not a bool", // would make a binder that read it throw
        });

        var options = host.Services.GetRequiredService<IOptions<MitiAgentOptions>>().Value;

        Assert.Equal("cli_cfg", options.AppId);
        Assert.True(options.LogToStandardErrorWithoutLoggerFactory);
        Assert.False(options.RegisterSignals);
    }

    [Fact]
    public void Another_section_can_be_read_or_none_at_all()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Miti:AppId"] = "cli_default_section",
            ["Miti:AppSecret"] = Secret,
            ["Bots:Echo:AppId"] = "cli_echo",
            ["Bots:Echo:AppSecret"] = Secret,
            ["Bots:Echo:MaxConcurrency"] = "5",
        };

        using (var host = BuildHost(configuration, s => s.AddMitiAgent<SingletonAgent>(new MitiAgentHostingOptions { ConfigurationSectionPath = "Bots:Echo" })))
        {
            var options = host.Services.GetRequiredService<IOptions<MitiAgentOptions>>().Value;
            Assert.Equal("cli_echo", options.AppId);
            Assert.Equal(5, options.MaxConcurrency);
        }

        using (var host = BuildHost(configuration, s => s.AddMitiAgent<SingletonAgent>(new MitiAgentHostingOptions { ConfigurationSectionPath = null }, o =>
        {
            o.AppId = "cli_code_only";
            o.AppSecret = Secret;
        })))
        {
            Assert.Equal("cli_code_only", host.Services.GetRequiredService<IOptions<MitiAgentOptions>>().Value.AppId);
        }
    }

    [Fact]
    public async Task A_missing_secret_fails_the_host_start_naming_the_key_and_nothing_connects()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var configuration = kit.MitiConfiguration();
        configuration.Remove("Miti:AppSecret");
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("AppSecret is required: set MitiAgentOptions.AppSecret or MITI_APP_SECRET", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Miti:AppSecret'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Miti__AppSecret", error.Message, StringComparison.Ordinal);
        Assert.Empty(kit.Emulator.Requests);
    }

    [Fact]
    public async Task Values_that_do_not_parse_or_break_a_rule_are_all_reported_without_the_secret()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var configuration = kit.MitiConfiguration();
        configuration["Miti:MaxConcurrency"] = "lots";
        configuration["Miti:ShutdownTimeout"] = "30";          // a bare number would be 30 days
        configuration["Miti:ConnectTimeout"] = "00:99:xx";
        configuration["Miti:SeenEventCapacity"] = "1,000";     // not invariant-culture integer syntax
        configuration["Miti:OverloadConcurrency"] = "-1";      // parses, breaks a rule
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("'Miti:MaxConcurrency' must be a whole number (was 'lots')", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Miti:ShutdownTimeout' must be a time span", error.Message, StringComparison.Ordinal);
        Assert.Contains("a bare number would mean days", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Miti:ConnectTimeout' must be a time span", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Miti:SeenEventCapacity' must be a whole number (was '1,000')", error.Message, StringComparison.Ordinal);
        Assert.Contains("MitiAgentOptions.OverloadConcurrency must be at least 0 (was -1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Miti:OverloadConcurrency'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(HostingTestKit.AppSecret, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(kit.Emulator.Requests);
        kit.AssertNoSecretsLogged();
    }

    [Fact]
    public async Task An_insecure_base_url_fails_the_host_start()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var configuration = kit.MitiConfiguration();
        configuration["Miti:BaseUrl"] = "http://miti.example.com/chat";
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("miti.example.com", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Miti:BaseUrl'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_agent_per_service_collection()
    {
        var services = new ServiceCollection();
        services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);

        var other = Assert.Throws<InvalidOperationException>(() => services.AddMitiAgent<EchoAgent>());
        Assert.Contains("AddMitiAgent<EchoAgent>() was called after AddMitiAgent<SingletonAgent>()", other.Message, StringComparison.Ordinal);

        var otherLifetime = Assert.Throws<InvalidOperationException>(() => services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Scoped));
        Assert.Contains("other hosting options", otherLifetime.Message, StringComparison.Ordinal);

        // The same agent again only adds configuration.
        int before = services.Count;
        services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton, o => o.MaxSendRetries = 1);
        Assert.Equal(before + 1, services.Count);
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(MitiAgentClient));
    }

    [Fact]
    public void Hosting_options_are_copied_when_registered()
    {
        var hosting = new MitiAgentHostingOptions { Lifetime = MitiAgentLifetime.Singleton };
        var services = new ServiceCollection();
        services.AddMitiAgent<SingletonAgent>(hosting);
        hosting.Lifetime = MitiAgentLifetime.Scoped;

        // Had the object not been copied, this call (now "scoped") would look like the first one.
        Assert.Throws<InvalidOperationException>(() => services.AddMitiAgent<SingletonAgent>(hosting));
        Assert.Contains(services, d => d.ServiceType == typeof(SingletonAgent) && d.Lifetime == ServiceLifetime.Singleton);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddMitiAgent<SingletonAgent>((MitiAgentLifetime)42));
    }

    private static IHost BuildHost(Dictionary<string, string?> configuration, Action<IServiceCollection>? register = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = Environments.Production,
            ApplicationName = "MitiAgent.Hosting.Tests",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TestRecorder>();
        (register ?? (s => s.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton)))(builder.Services);
        return builder.Build();
    }
}
