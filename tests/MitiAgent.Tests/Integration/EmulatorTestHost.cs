using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Emulator;

namespace MitiAgent.Tests.Integration;

/// <summary>
/// A Miti emulator on 127.0.0.1 (free port) for SDK integration tests. The emulator and the SDK share one
/// <see cref="FakeTimeProvider"/>, so token lifetimes, ack timeouts and backoff delays run on virtual time.
/// Logs of both sides are captured (for secret-leak checks).
/// </summary>
internal sealed class EmulatorTestHost : IAsyncDisposable
{
    public const string AppId = "cli_sdk_test";
    public const string AppSecret = "sdk-secret-do-not-log-0123456789";

    private EmulatorTestHost(MitiEmulator emulator, FakeTimeProvider time, CapturingLoggerProvider logs, ILoggerFactory loggerFactory)
    {
        Emulator = emulator;
        Time = time;
        Logs = logs;
        LoggerFactory = loggerFactory;
    }

    public MitiEmulator Emulator { get; }

    public FakeTimeProvider Time { get; }

    public CapturingLoggerProvider Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public static async Task<EmulatorTestHost> StartAsync(Action<MitiEmulatorOptions>? configure = null, TimeSpan? tokenLifetime = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        var options = new MitiEmulatorOptions { TimeProvider = time };
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "SdkBot", TokenLifetime = tokenLifetime ?? TimeSpan.FromHours(2) });
        configure?.Invoke(options);
        var logs = new CapturingLoggerProvider();
        var factory = new CapturingLoggerFactory(logs);
        var emulator = new MitiEmulator(options, factory);
        await emulator.StartAsync();
        return new EmulatorTestHost(emulator, time, logs, factory);
    }

    /// <summary>Options pointing at this emulator.</summary>
    public MitiAgentOptions Options(Action<MitiAgentOptions>? configure = null)
    {
        var options = new MitiAgentOptions
        {
            AppId = AppId,
            AppSecret = AppSecret,
            BaseUrl = Emulator.BaseUrl,
            RegisterSignals = false,
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Every captured log line (category, level, event id, message, exception; scopes are in <see cref="LogEntry.Scopes"/>).</summary>
    public IReadOnlyList<string> LogLines => Logs.Entries.Select(e => e.ToString()).ToArray();

    /// <summary>Token requests the emulator answered so far.</summary>
    public int TokenRequests => Emulator.Requests.Count(r => r.Path == MitiAgent.Protocol.WireNames.Paths.Token);

    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Waiting.WaitUntilAsync(condition, what, timeout);

    public async ValueTask DisposeAsync() => await Emulator.DisposeAsync();
}
