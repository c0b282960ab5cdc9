using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MitiAgent;
using MitiAgent.Emulator;

namespace Samples.Shared;

/// <summary>What <see cref="SampleHost"/> runs.</summary>
internal sealed class SampleDefinition
{
    /// <summary>The agent's name, shown in the banner and as the app's display name in the embedded emulator.</summary>
    public required string Name { get; init; }

    /// <summary>The agent (a partial class whose <see cref="IMitiAgentHandler"/> the source generator writes).</summary>
    public required IMitiAgentHandler Agent { get; init; }

    /// <summary>A message a newcomer could send first (used in the printed <c>curl</c> command).</summary>
    public required string ExampleText { get; init; }

    /// <summary>Scripted messages played against the embedded emulator once the agent is connected.</summary>
    public Func<DemoChat, CancellationToken, Task>? Demo { get; init; }

    /// <summary>Whether the agent answers with streamed answers (stream frames, not <c>messages/send</c>): where the banner says to look.</summary>
    public bool StreamsAnswers { get; init; }

    /// <summary>Adjusts the client's options (limits, intervals) before the client is created.</summary>
    public Action<MitiAgentOptions>? Configure { get; init; }
}

/// <summary>
/// Runs a sample agent until Ctrl+C / SIGTERM. With <c>MITI_APP_ID</c> and <c>MITI_APP_SECRET</c> set it connects to
/// that Miti server (<c>MITI_API_BASE_URL</c>, else production). Without them it starts a Miti emulator inside this
/// process, connects to it, prints how to talk to it (the emulator's chat page, the terminal, curl), plays a short
/// scripted demo and then, when stdin is a terminal, sends each line typed to the agent and prints the answer, so a plain
/// <c>dotnet run</c> shows the agent at work with nothing set up.
/// </summary>
internal static class SampleHost
{
    /// <summary>The app the embedded emulator registers (its secret is random for each run).</summary>
    public const string DemoAppId = "cli_demo";

    /// <summary>The embedded emulator listens here when the port is free (the emulator program's address), else on a free port.</summary>
    public const string PreferredUrl = "http://localhost:10006";

    /// <summary>Runs the sample; returns the process exit code (0 after Ctrl+C, 1 when the server refused the app, 2 for bad settings).</summary>
    /// <param name="args">The command line: <c>--verbose</c> shows the SDK's log; <c>--no-demo</c> skips the demo;
    /// <c>--chat</c> reads chat lines from stdin even when it is not a terminal; <c>--help</c> prints the usage.</param>
    /// <param name="sample">The agent and its demo.</param>
    public static async Task<int> RunAsync(string[] args, SampleDefinition sample)
    {
        bool verbose = false;
        bool demo = true;
        bool chat = !Console.IsInputRedirected;
        foreach (string arg in args)
        {
            switch (arg)
            {
                case "--verbose":
                    verbose = true;
                    break;
                case "--no-demo":
                    demo = false;
                    break;
                case "--chat":
                    chat = true;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage(sample.Name));
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"Unknown argument '{arg}'.{Environment.NewLine}{Usage(sample.Name)}");
                    return 2;
            }
        }

        string? appId = ReadEnvironment("MITI_APP_ID");
        string? appSecret = ReadEnvironment("MITI_APP_SECRET");
        if ((appId is null) != (appSecret is null))
        {
            await Console.Error.WriteLineAsync("Set both MITI_APP_ID and MITI_APP_SECRET to use a Miti server, or neither to use the embedded Miti emulator.");
            return 2;
        }

        // The sample prints one line per event and answer (ChatLog) and per connection change; the SDK's own log
        // (token, gateway, each event and send) and the embedded emulator's show with --verbose.
        using var shutdown = new ShutdownSignal();
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            })
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("MitiAgent.Emulator", verbose ? LogLevel.Information : LogLevel.Warning));

        bool embedded = appId is null;
        if (embedded)
        {
            appId = DemoAppId;
            appSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }

        await using var emulator = embedded ? await StartEmulatorAsync(sample.Name, appId!, appSecret!, loggerFactory) : null;
        var options = new MitiAgentOptions
        {
            AppId = appId,
            AppSecret = appSecret,
            BaseUrl = emulator?.BaseUrl, // null: MITI_API_BASE_URL, else https://www.miti.chat/chat
            RegisterSignals = false,     // ShutdownSignal owns Ctrl+C: it also stops the demo
        };
        sample.Configure?.Invoke(options);

        MitiAgentClient client;
        try
        {
            client = new MitiAgentClient(options, loggerFactory);
        }
        catch (MitiConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("Invalid settings: " + ex.Message);
            return 2;
        }

        await using (client)
        {
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.StateChanged += (_, e) =>
            {
                switch (e.Current)
                {
                    case MitiClientState.Connected:
                        ChatLog.Print($"{(connected.TrySetResult() ? "connected" : "reconnected")} to {client.BaseUrl} as {appId}");
                        break;
                    case MitiClientState.Reconnecting:
                        ChatLog.Print("connection lost, reconnecting...");
                        break;
                }
            };

            if (emulator is null)
            {
                ChatLog.Print($"{sample.Name}: connecting to {client.BaseUrl} as {appId}. Press Ctrl+C to stop.");
            }
            else
            {
                PrintEmbeddedBanner(sample, emulator, chat);
            }

            var run = client.RunAsync(sample.Agent, shutdown.Token);
            try
            {
                await Task.WhenAny(connected.Task, run);
                if (connected.Task.IsCompleted && emulator is not null)
                {
                    if (demo && sample.Demo is not null)
                    {
                        await PlayDemoAsync(sample, new DemoChat(emulator, appId!), chat, shutdown.Token);
                    }

                    if (chat && !shutdown.Token.IsCancellationRequested)
                    {
                        await new TerminalChat(emulator, appId!, sample.Name).RunAsync(Console.In, shutdown.Token);
                    }
                }

                await run;
            }
            catch (MitiAuthException ex)
            {
                await Console.Error.WriteLineAsync($"The server refused app {appId}: {ex.Message}");
                return 1;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Any other fatal error: one clear line, no stack trace.
                await Console.Error.WriteLineAsync($"{sample.Name} stopped: {ex.GetType().Name}: {ex.Message}");
                return 1;
            }
        }

        ChatLog.Print($"{sample.Name} stopped.");
        return 0;
    }

    private static async Task<MitiEmulator> StartEmulatorAsync(string agentName, string appId, string appSecret, ILoggerFactory loggerFactory)
    {
        string[] urls = [PreferredUrl, "http://127.0.0.1:0"];
        for (int i = 0; ; i++)
        {
            var options = new MitiEmulatorOptions { ListenUrl = urls[i] };
            options.Apps.Add(new EmulatorApp(appId, appSecret) { Name = agentName });
            var emulator = new MitiEmulator(options, loggerFactory);
            try
            {
                await emulator.StartAsync();
                return emulator;
            }
            catch (IOException) when (i < urls.Length - 1)
            {
                // Port 10006 is taken (e.g. by `dotnet run --project src/MitiAgent.Emulator`): take any free port.
                await emulator.DisposeAsync();
            }
        }
    }

    private static void PrintEmbeddedBanner(SampleDefinition sample, MitiEmulator emulator, bool chat)
    {
        string injectBody = $$"""{"app_id":"{{DemoAppId}}","user_id":"{{TerminalChat.UserId}}","text":"{{sample.ExampleText}}"}""";
        string answers = sample.StreamsAnswers
            ? $"curl -s {emulator.ControlUrl}/conversations/{DemoAppId}/conv-{TerminalChat.UserId}  (streamed answers grow there; finished ones: {emulator.ControlUrl}/final-answers)"
            : $"curl -s {emulator.ControlUrl}/sent";
        ChatLog.Print($"""
            {sample.Name} runs against a Miti emulator inside this process (MITI_APP_ID / MITI_APP_SECRET are not set).
              chat page:     {emulator.ChatPageUrl}  (open it in a browser: talk to the agent, watch its connections, inject faults)
              Miti API:      {emulator.BaseUrl}  (the agent's base URL)
              control API:   {emulator.ControlUrl}  (docs/emulator.md)
              say something: curl -s {emulator.ControlUrl}/inject/message -H 'Content-Type: application/json' -d '{injectBody}'
              see answers:   {answers}
              real server:   set MITI_APP_ID and MITI_APP_SECRET (and MITI_API_BASE_URL) to connect there instead.
            {(chat ? "Type a message below to chat from this terminal. " : string.Empty)}Press Ctrl+C to stop.
            """);
    }

    private static async Task PlayDemoAsync(SampleDefinition sample, DemoChat chat, bool terminalChat, CancellationToken cancellationToken)
    {
        ChatLog.Print("Demo: a few messages from made-up users (--no-demo skips it).");
        try
        {
            await sample.Demo!(chat, cancellationToken);
            ChatLog.Print(terminalChat ? "Demo done. Your turn:" : "Demo done. The agent keeps running; Ctrl+C stops it.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C during the demo.
        }
        catch (TimeoutException ex)
        {
            ChatLog.Print("Demo stopped: " + ex.Message);
        }
    }

    private static string Usage(string name) => $"""
        {name}: a MitiAgent sample.

        Usage: dotnet run --project samples/{name} [-- options]
          --verbose   also show the SDK's log (token, gateway, every event and send)
          --no-demo   skip the scripted demo
          --chat      read chat lines from stdin even when it is not a terminal (e.g. piped)

        With MITI_APP_ID and MITI_APP_SECRET (and optionally MITI_API_BASE_URL) set, it connects to that Miti server.
        Without them it runs against a Miti emulator inside this process: it prints the address of the emulator's chat
        page, plays a short demo, then (when stdin is a terminal) sends each line you type to the agent as a DM from
        u_you and prints the answer.
        """;

    private static string? ReadEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
