using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Emulator;

/// <summary><c>dotnet run --project src/MitiAgent.Emulator</c>: a local Miti server for offline development.</summary>
internal static class Program
{
    private const string Usage = """
        Miti emulator: a local Miti agent platform for offline development.

        Usage: dotnet run --project src/MitiAgent.Emulator [-- options]
          --urls <url>          where to listen (default http://localhost:10006)
          --app-id <id>         the demo app's id (default cli_demo)
          --app-secret <s>      the demo app's secret (default demo_secret)
          --allow-custom-msg-types  accept sends of msg_types beyond the spec's five (an app's own content types)
          --help                this text
        """;

    public static async Task<int> Main(string[] args)
    {
        string url = "http://localhost:10006";
        string appId = "cli_demo";
        string appSecret = "demo_secret";
        bool allowCustomMsgTypes = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--urls" when i + 1 < args.Length: url = args[++i]; break;
                case "--app-id" when i + 1 < args.Length: appId = args[++i]; break;
                case "--app-secret" when i + 1 < args.Length: appSecret = args[++i]; break;
                case "--allow-custom-msg-types": allowCustomMsgTypes = true; break;
                case "--help" or "-h": Console.WriteLine(Usage); return 0;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning));

        var options = new MitiEmulatorOptions { ListenUrl = url, AllowCustomMsgTypes = allowCustomMsgTypes };
        options.Apps.Add(new EmulatorApp(appId, appSecret) { Name = "DemoAgent" });
        await using var emulator = new MitiEmulator(options, loggerFactory);
        try
        {
            await emulator.StartAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"Could not listen on {url}: {ex.Message}");
            return 1;
        }

        Console.WriteLine($"""
            Miti emulator listening on {emulator.BaseUrl}
              demo app:     app_id={appId} app_secret={appSecret}
              connect with: MITI_API_BASE_URL={emulator.BaseUrl} MITI_APP_ID={appId} MITI_APP_SECRET={appSecret}
              chat page:    {emulator.ChatPageUrl} (talk to your agent in a browser)
              control API:  {emulator.ControlUrl} (see docs/emulator.md)
            Press Ctrl+C to stop.
            """);

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        await stop.Task.ConfigureAwait(false);
        Console.WriteLine("Stopping the Miti emulator...");
        return 0;
    }
}
