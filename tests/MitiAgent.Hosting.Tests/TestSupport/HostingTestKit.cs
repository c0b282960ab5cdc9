using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Emulator;

namespace MitiAgent.Hosting.Tests.TestSupport;

/// <summary>
/// A Miti emulator on 127.0.0.1 (free port) plus helpers to build a real <see cref="HostApplicationBuilder"/> whose
/// <c>Miti</c> configuration section points at it. With <c>fakeTime</c>, the emulator and the hosted client share one
/// <see cref="FakeTimeProvider"/> (registered in DI as the <see cref="TimeProvider"/>); otherwise both run on real time.
/// Every log of the host (at Trace) and of the emulator is captured, with logging scopes, for secret-leak checks.
/// </summary>
internal sealed class HostingTestKit : IAsyncDisposable
{
    public const string AppId = "cli_hosting_test";
    public const string AppSecret = "hosting-secret-do-not-log-5f2b9c1e";

    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);
    private readonly List<(IHost Host, IHostApplicationLifetime Lifetime)> _hosts = [];
    private readonly List<Action> _beforeDispose = [];

    private HostingTestKit(MitiEmulator emulator, FakeTimeProvider? time, CapturingLoggerProvider logs)
    {
        Emulator = emulator;
        Time = time;
        Logs = logs;
    }

    public MitiEmulator Emulator { get; }

    /// <summary>The shared fake clock, or <see langword="null"/> on real time.</summary>
    public FakeTimeProvider? Time { get; }

    public CapturingLoggerProvider Logs { get; }

    public static async Task<HostingTestKit> StartAsync(bool fakeTime = false)
    {
        var time = fakeTime ? new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero)) : null;
        var options = new MitiEmulatorOptions { TimeProvider = (TimeProvider?)time ?? TimeProvider.System };
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "HostedBot" });
        var logs = new CapturingLoggerProvider();
        var emulator = new MitiEmulator(options, new CapturingLoggerFactory(logs));
        await emulator.StartAsync();
        return new HostingTestKit(emulator, time, logs);
    }

    /// <summary>The <c>Miti</c> section pointing at the emulator with valid credentials.</summary>
    public Dictionary<string, string?> MitiConfiguration() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Miti:AppId"] = AppId,
        ["Miti:AppSecret"] = AppSecret,
        ["Miti:BaseUrl"] = Emulator.BaseUrl,
    };

    /// <summary>
    /// A host builder as an app would make one (<see cref="Host.CreateApplicationBuilder(HostApplicationBuilderSettings)"/>,
    /// Development environment, so DI validates scopes and the service graph), with <paramref name="configuration"/> in
    /// memory, logs captured at Trace, and the fake clock as the <see cref="TimeProvider"/> when the kit has one.
    /// </summary>
    public HostApplicationBuilder CreateBuilder(IDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = Environments.Development,
            ApplicationName = "MitiAgent.Hosting.Tests",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Configuration.AddInMemoryCollection(configuration ?? MitiConfiguration());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(Logs);
        if (Time is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(Time);
        }

        builder.Services.AddSingleton<TestRecorder>();
        return builder;
    }

    /// <summary>Builds the host and remembers it, so the kit disposes it.</summary>
    public IHost Build(HostApplicationBuilder builder)
    {
        var host = builder.Build();
        _hosts.Add((host, host.Services.GetRequiredService<IHostApplicationLifetime>()));
        return host;
    }

    /// <summary>Runs <paramref name="action"/> first when the kit is disposed (e.g. to release a blocked handler after a failed assertion).</summary>
    public void BeforeDispose(Action action) => _beforeDispose.Add(action);

    /// <summary>A <see cref="Gate"/> that is released when the kit is disposed, so a failing test never hangs its host's drain.</summary>
    public Gate NewGate()
    {
        var gate = new Gate();
        BeforeDispose(() => gate.Release.TrySetResult());
        return gate;
    }

    /// <summary>Runs the registered health checks through the real <see cref="HealthCheckService"/>.</summary>
    public static async Task<HealthReportEntry> CheckHealthAsync(IHost host, string name = "miti")
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries[name];
    }

    /// <summary>Every captured log line (category, level, event id, message, exception; scopes are in <see cref="LogEntry.Scopes"/>).</summary>
    public IReadOnlyList<string> LogLines => Logs.Entries.Select(e => e.ToString()).ToArray();

    /// <summary>Asserts that no log line contains the app secret or any access token the emulator issued.</summary>
    public void AssertNoSecretsLogged(params string[] moreSecrets)
    {
        var secrets = new List<string> { AppSecret };
        secrets.AddRange(Emulator.GetIssuedTokens(AppId));
        secrets.AddRange(moreSecrets);
        foreach (string line in Logs.Entries.Select(e => e.TextWithScopes))
        {
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Advances the fake clock in steps until <paramref name="condition"/> holds (bounded).</summary>
    public Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step, string what, int maxSteps = 400) =>
        (Time ?? throw new InvalidOperationException("The kit runs on real time.")).AdvanceUntilAsync(condition, step, what, maxSteps, realDelayMs: 10);

    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Waiting.WaitUntilAsync(condition, what, timeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var action in _beforeDispose)
        {
            action();
        }

        // Bounded: a test that failed half-way must fail, not hang the run.
        foreach (var (host, lifetime) in _hosts)
        {
            // A host whose start failed (or that never started, or was stopped by the test) has nothing to stop.
            if (lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopped.IsCancellationRequested)
            {
                using var stop = new CancellationTokenSource(CleanupTimeout);
                await host.StopAsync(stop.Token).WaitAsync(CleanupTimeout);
            }

            // Disposing twice (a test may have disposed it) is harmless.
            await ((IAsyncDisposable)host).DisposeAsync().AsTask().WaitAsync(CleanupTimeout);
        }

        await Emulator.DisposeAsync();
    }
}

/// <summary>A timeout for awaiting test signals (real time; generous for a loaded 2-core machine).</summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Signal = TimeSpan.FromSeconds(20);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Signal);

    public static Task Within(this Task task) => task.WaitAsync(Signal);
}

/// <summary>Records what test agents and scoped services saw (one per host).</summary>
internal sealed class TestRecorder
{
    private int _nextProbeId;

    public ConcurrentQueue<string> Notes { get; } = new();

    public ConcurrentQueue<ScopedProbe> Probes { get; } = new();

    public ConcurrentQueue<object> AgentInstances { get; } = new();

    public ConcurrentQueue<MitiAgentClient> ClientsSeen { get; } = new();

    public int NextProbeId() => Interlocked.Increment(ref _nextProbeId);
}

/// <summary>A scoped dependency that counts its instances and notes its disposal.</summary>
internal sealed class ScopedProbe : IAsyncDisposable
{
    public ScopedProbe(TestRecorder recorder)
    {
        Id = recorder.NextProbeId();
        recorder.Probes.Enqueue(this);
    }

    public int Id { get; }

    public bool Disposed { get; private set; }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
