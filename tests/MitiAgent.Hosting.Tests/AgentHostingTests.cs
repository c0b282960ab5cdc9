using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MitiAgent.Hosting.Tests.TestSupport;

namespace MitiAgent.Hosting.Tests;

/// <summary>A real Generic Host runs agents resolved from DI against the emulator, over loopback, on real time.</summary>
public sealed class AgentHostingTests
{
    [Fact]
    public async Task Scoped_agent_answers_each_event_from_its_own_scope_which_is_disposed_afterwards()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        builder.Services.AddScoped<ScopedProbe>();
        builder.Services.AddMitiAgent<EchoAgent>();
        var host = kit.Build(builder);
        var recorder = host.Services.GetRequiredService<TestRecorder>();

        await host.StartAsync();
        var client = host.Services.GetRequiredService<MitiAgentClient>();
        Assert.Equal(MitiClientState.Connected, client.State);
        int probesAtStart = recorder.Probes.Count; // the start resolves the agent once (in its own scope) to read its handlers
        Assert.Equal(1, probesAtStart);
        Assert.True(recorder.Probes.Single().Disposed);

        var first = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_alice", "one");
        var firstReply = await kit.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == first.MessageId, TestTimeouts.Signal);
        var second = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_alice", "two");
        var secondReply = await kit.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == second.MessageId, TestTimeouts.Signal);

        // A new agent and a new scoped probe per event; each probe is disposed once its event's handler returned.
        Assert.StartsWith("echo:one probe=", firstReply.Text, StringComparison.Ordinal);
        Assert.StartsWith("echo:two probe=", secondReply.Text, StringComparison.Ordinal);
        Assert.NotEqual(firstReply.Text["echo:one ".Length..], secondReply.Text["echo:two ".Length..]);
        Assert.Equal(2, recorder.AgentInstances.Distinct().Count());
        await HostingTestKit.WaitUntilAsync(() => recorder.Probes.Count == 3 && recorder.Probes.All(p => p.Disposed), "every scoped probe disposed");

        // The handler's client is the singleton the app can inject.
        Assert.All(recorder.ClientsSeen, c => Assert.Same(client, c));

        // Logs written inside a handler carry the event's type and id as a scope.
        var handlerLog = kit.Logs.Entries.First(e => e.Message == "echo handler running");
        Assert.Contains(handlerLog.Scopes, s => s.Contains("MitiEventId=" + first.EventId, StringComparison.Ordinal) || s.Contains("MitiEventId=" + second.EventId, StringComparison.Ordinal));
        Assert.Contains(handlerLog.Scopes, s => s.Contains("MitiEventType=im.message.receive", StringComparison.Ordinal));

        await host.StopAsync();
        Assert.Equal(MitiClientState.Stopped, client.State);
        kit.AssertNoSecretsLogged();
    }

    [Fact]
    public async Task Singleton_agent_handles_every_event_with_one_instance()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);
        var recorder = host.Services.GetRequiredService<TestRecorder>();
        await host.StartAsync();

        foreach (string text in new[] { "a", "b", "c" })
        {
            var run = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_bob", text);
            var reply = await kit.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == run.MessageId, TestTimeouts.Signal);
            Assert.Equal("single:" + text, reply.Text);
        }

        Assert.Equal(3, recorder.AgentInstances.Count);
        Assert.Single(recorder.AgentInstances.Distinct());
        Assert.Same(host.Services.GetRequiredService<SingletonAgent>(), recorder.AgentInstances.First());
        await host.StopAsync();
    }

    [Fact]
    public async Task An_agent_registered_by_the_app_keeps_that_registration()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        var mine = new SingletonAgent(new TestRecorder());
        builder.Services.AddSingleton(mine);
        builder.Services.AddMitiAgent<SingletonAgent>(); // scoped by default, but the app's singleton wins
        var host = kit.Build(builder);
        await host.StartAsync();

        for (int i = 0; i < 2; i++)
        {
            var run = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_carol", "x" + i);
            await kit.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == run.MessageId, TestTimeouts.Signal);
        }

        Assert.Empty(host.Services.GetRequiredService<TestRecorder>().AgentInstances);
        await host.StopAsync();
    }

    [Fact]
    public async Task App_code_sends_messages_with_the_injected_client()
    {
        await using var kit = await HostingTestKit.StartAsync();
        kit.Emulator.RegisterUser("u_dave", "Dave");
        var builder = kit.CreateBuilder();
        builder.Services.AddScoped<ScopedProbe>();
        builder.Services.AddMitiAgent<EchoAgent>();
        builder.Services.AddSingleton<Notifier>();
        var host = kit.Build(builder);
        await host.StartAsync();

        var sent = await host.Services.GetRequiredService<Notifier>().NotifyAsync("u_dave", "build finished");

        var received = await kit.Emulator.WaitForSentMessageAsync(m => m.MessageId == sent.MessageId, TestTimeouts.Signal);
        Assert.Equal("u_dave", received.ToUserId);
        Assert.Equal("build finished", received.Text);
        Assert.Equal(kit.Emulator.BaseUrl, host.Services.GetRequiredService<MitiAgentClient>().BaseUrl);
        await host.StopAsync();
        kit.AssertNoSecretsLogged();
    }

    [Fact]
    public async Task An_agent_that_cannot_be_resolved_fails_the_host_start_before_connecting()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<BrokenAgent>();
        // As in Production: no ValidateOnBuild, so the agent's missing dependency is found when the host starts.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions()));
        var host = kit.Build(builder);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains(nameof(BrokenAgent.IMissingService), error.Message, StringComparison.Ordinal);
        Assert.Empty(kit.Emulator.GetConnections(HostingTestKit.AppId));
    }

    [Fact]
    public async Task Unknown_keys_in_the_section_are_logged_as_warnings()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var configuration = kit.MitiConfiguration();
        configuration["Miti:MaxConcurency"] = "8"; // typo
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);
        await host.StartAsync();

        Assert.Contains(kit.Logs.Entries, e => e.Level == LogLevel.Warning && e.Category == MitiHostingLogCategories.Hosting && e.Message.Contains("Miti:MaxConcurency", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task The_client_records_metrics_on_a_meter_of_the_hosts_meter_factory()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);
        await host.StartAsync();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();

        var meters = new List<Meter>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                lock (meters)
                {
                    meters.Add(instrument.Meter);
                }
            };
            listener.Start(); // reports the instruments that already exist
        }

        // The SDK's meter ("MitiAgent", see MitiTelemetry.MeterName) of this host's factory, not the process-wide one.
        Assert.Contains(meters, m => m.Name == "MitiAgent" && ReferenceEquals(m.Scope, meterFactory));
        await host.StopAsync();
    }

    /// <summary>App code that sends through the injected client.</summary>
    private sealed class Notifier(MitiAgentClient client)
    {
        public Task<SentMessage> NotifyAsync(string userId, string text) =>
            client.SendMessageAsync(MessageTarget.User(userId), OutgoingContent.Text(text));
    }
}
