using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MitiAgent;
using Samples.Aot;

// A Miti agent published as a Native AOT binary:
//   dotnet publish samples/AotAgent -c Release -r linux-x64 -o out/aot
//   MITI_APP_ID=... MITI_APP_SECRET=... [MITI_API_BASE_URL=...] out/aot/AotAgent [--max-events N] [--verbose]
// Runs until Ctrl+C / SIGTERM, or until N message events were answered (--max-events, for smoke tests).
const string Usage = """
    AotAgent: a Miti agent built for Native AOT.

    Usage: AotAgent [--max-events N] [--verbose]
      --max-events N   stop (exit 0) once N message events were handled; exit 1 if any answer failed
      --verbose        also log the SDK's debug messages
    Environment: MITI_APP_ID and MITI_APP_SECRET (required), MITI_API_BASE_URL (default https://www.miti.chat/chat).
    """;

int? maxEvents = null;
bool verbose = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--max-events" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0:
            maxEvents = n;
            i++;
            break;
        case "--verbose":
            verbose = true;
            break;
        case "--help" or "-h":
            Console.WriteLine(Usage);
            return 0;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'.");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

string? appId = Environment.GetEnvironmentVariable("MITI_APP_ID");
string? appSecret = Environment.GetEnvironmentVariable("MITI_APP_SECRET");
if (string.IsNullOrWhiteSpace(appId) || string.IsNullOrWhiteSpace(appSecret))
{
    Console.Error.WriteLine("""
        AotAgent needs MITI_APP_ID and MITI_APP_SECRET (and MITI_API_BASE_URL for a server other than production).
        For a local server: dotnet run --project src/MitiAgent.Emulator prints the values to use.
        """);
    return 2;
}

using var loggerFactory = new ConsoleLoggerFactory(verbose ? LogLevel.Debug : LogLevel.Information);
MitiAgentClient client;
try
{
    client = new MitiAgentClient(new MitiAgentOptions { AppId = appId, AppSecret = appSecret }, loggerFactory);
}
catch (MitiConfigurationException ex)
{
    Console.Error.WriteLine("Invalid settings: " + ex.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
int handled = 0;
int failed = 0;
var agent = new AotAgent(loggerFactory.CreateLogger("AotAgent"), answered =>
{
    if (!answered)
    {
        Interlocked.Increment(ref failed);
    }

    if (Interlocked.Increment(ref handled) == maxEvents)
    {
        stop.Cancel(); // RunAsync stops gracefully: running handlers finish, the gateway closes with 1000
    }
});

client.StateChanged += (_, e) =>
{
    if (e.Current == MitiClientState.Connected && e.Previous == MitiClientState.Connecting)
    {
        // From process start (the OS's record of it), so JIT and Native AOT startups compare fairly.
        using var self = Process.GetCurrentProcess();
        var elapsed = DateTime.Now - self.StartTime;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"connected in {elapsed.TotalMilliseconds:F0} ms ({AotAgent.RuntimeMode}) to {client.BaseUrl} as {appId}"));
    }
};

await using (client)
{
    try
    {
        await client.RunAsync(agent, stop.Token); // also stops on Ctrl+C / SIGTERM
    }
    catch (MitiAuthException ex)
    {
        Console.Error.WriteLine($"The server refused app {appId}: {ex.Message}");
        return 1;
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        // Any other fatal error: one clear line, no stack trace.
        Console.Error.WriteLine($"AotAgent stopped: {ex.GetType().Name}: {ex.Message}");
        return 1;
    }
}

return maxEvents is not null && Volatile.Read(ref failed) > 0 ? 1 : 0;
