using System.Security.Cryptography;
using MitiAgent;
using MitiAgent.Emulator;

namespace Company.MitiAgent1.Tests;

/// <summary>
/// One Miti emulator (127.0.0.1, a free port) and one connected agent for the tests of a class. Each test injects
/// what a user does and waits for what the agent sends; nothing sleeps.
/// </summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public const string AppId = "cli_test";

    private readonly string _secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public MitiEmulator Emulator { get; private set; } = null!;

    public MitiAgentClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, _secret));
        Emulator = new MitiEmulator(options);
        await Emulator.StartAsync();

        Client = new MitiAgentClient(new MitiAgentOptions
        {
            AppId = AppId,
            AppSecret = _secret,
            BaseUrl = Emulator.BaseUrl,
            RegisterSignals = false, // the test host owns Ctrl+C
        });
        await Client.StartAsync(new EchoAgent());
        await Emulator.WaitForConnectionAsync(c => c.AppId == AppId);
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
