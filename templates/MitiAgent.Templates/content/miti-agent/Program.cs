using Company.MitiAgent1;
using Microsoft.Extensions.Logging;
using MitiAgent;

// dotnet run
//   MITI_APP_ID and MITI_APP_SECRET set: connects to the Miti server at MITI_API_BASE_URL; when that is unset, to
//   PRODUCTION (https://www.miti.chat/chat).
//   Not set: starts a Miti emulator inside this process, connects to it and sends the agent one message.
// Ctrl+C / SIGTERM stops gracefully (running handlers finish). Exit codes: 0 stopped, 1 refused by the server
// (wrong app id or secret, app disabled), 2 invalid settings.
using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    })
    .SetMinimumLevel(LogLevel.Information)
    .AddFilter("Microsoft", LogLevel.Warning)
    .AddFilter("MitiAgent.Emulator", LogLevel.Warning));
var log = loggerFactory.CreateLogger("Company.MitiAgent1");

// Unset options fall back to MITI_APP_ID, MITI_APP_SECRET and MITI_API_BASE_URL.
var options = new MitiAgentOptions();
bool hasCredentials = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(MitiAgentOptions.AppIdEnvironmentVariable))
    && !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(MitiAgentOptions.AppSecretEnvironmentVariable));
await using var emulator = hasCredentials ? null : await EmbeddedEmulator.StartAsync(options, loggerFactory);

MitiAgentClient client;
try
{
    client = new MitiAgentClient(options, loggerFactory);
}
catch (MitiConfigurationException ex)
{
    log.LogError("Invalid settings: {Message}", ex.Message);
    return 2;
}

await using (client)
{
    var agent = new EchoAgent(loggerFactory.CreateLogger<EchoAgent>());
    log.LogInformation("Connecting to {BaseUrl}. Press Ctrl+C to stop.", client.BaseUrl);
    var run = client.RunAsync(agent);
    try
    {
        if (emulator is not null)
        {
            await emulator.SayHelloAsync(log, run);
        }

        await run;
    }
    catch (MitiAuthException ex)
    {
        log.LogError("The server refused the app: {Message}", ex.Message);
        return 1;
    }
}

log.LogInformation("Stopped.");
return 0;
