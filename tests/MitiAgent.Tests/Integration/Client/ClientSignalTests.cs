using System.Diagnostics;
using System.Globalization;

namespace MitiAgent.Tests.Integration.Client;

[CollectionDefinition(nameof(ClientSignalTests), DisableParallelization = true)]
public sealed class ClientSignalCollection;

/// <summary>
/// RunAsync with RegisterSignals (the default) stops gracefully on SIGTERM / SIGINT. The signal is sent to the test
/// process itself, only while the client's registration (which cancels the default termination) is active, and with
/// no other test running.
/// </summary>
[Collection(nameof(ClientSignalTests))]
public sealed class ClientSignalTests
{
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Run_stops_gracefully_on_a_signal(string signal)
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = new MitiAgentClient(host.Options(o => o.RegisterSignals = true), host.LoggerFactory, host.Time);

        var run = client.RunAsync(new TestHandler());
        await EmulatorTestHost.WaitUntilAsync(() => client.State == MitiClientState.Connected, "connected");
        using (var kill = Process.Start("kill", ["-" + signal, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MitiClientState.Stopped, client.State);
        Assert.Equal(Protocol.WireNames.CloseCodes.Normal, (await host.Emulator.WaitForConnectionClosedAsync()).CloseCode);
    }
}
