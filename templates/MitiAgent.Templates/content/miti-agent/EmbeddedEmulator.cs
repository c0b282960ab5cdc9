using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MitiAgent;
using MitiAgent.Emulator;

namespace Company.MitiAgent1;

/// <summary>
/// A Miti emulator inside this process, used when no credentials are set, so a plain <c>dotnet run</c> shows the
/// agent at work. Talk to it with its control API (see the printed commands). Delete this file and the
/// MitiAgent.Emulator package reference for an agent that always talks to a Miti server.
/// </summary>
internal static class EmbeddedEmulator
{
    private const string AppId = "cli_local";

    /// <summary>Starts the emulator on a free loopback port and points <paramref name="options"/> at it.</summary>
    public static async Task<MitiEmulator> StartAsync(MitiAgentOptions options, ILoggerFactory loggerFactory)
    {
        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)); // new for each run
        var emulatorOptions = new MitiEmulatorOptions { ListenUrl = "http://127.0.0.1:0" };
        emulatorOptions.Apps.Add(new EmulatorApp(AppId, secret) { Name = "Company.MitiAgent1" });
        var emulator = new MitiEmulator(emulatorOptions, loggerFactory);
        await emulator.StartAsync();

        options.AppId = AppId;
        options.AppSecret = secret;
        options.BaseUrl = emulator.BaseUrl;
        Console.WriteLine($$"""
            MITI_APP_ID / MITI_APP_SECRET are not set: running against a Miti emulator inside this process.
              say something: curl -s {{emulator.ControlUrl}}/inject/message -H 'Content-Type: application/json' -d '{"app_id":"{{AppId}}","user_id":"u_you","text":"hi"}'
              see replies:   curl -s {{emulator.ControlUrl}}/sent
            """);
        return emulator;
    }

    /// <summary>Once the agent is connected, a made-up user says hello; the agent's answer is logged.</summary>
    public static async Task SayHelloAsync(this MitiEmulator emulator, ILogger log, Task run)
    {
        var connected = emulator.WaitForConnectionAsync(c => c.AppId == AppId, TimeSpan.FromSeconds(30));
        if (await Task.WhenAny(connected, run) != connected)
        {
            return; // the agent stopped (or failed) before it connected: `await run` reports why
        }

        await connected;
        var hello = emulator.InjectMessage(AppId, "u_demo", "hello", "Demo User");
        var answer = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == hello.MessageId, TimeSpan.FromSeconds(30));
        log.LogInformation("The agent answered the demo message: {Text}", answer.Text);
    }
}
