using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Hosting.Internal;

/// <summary>
/// Runs the registered <see cref="MitiAgentClient"/> for the host's lifetime.
/// <list type="bullet">
/// <item><see cref="StartAsync"/> resolves the agent once (a DI error fails the start), then starts the client and, by
/// default, returns once the gateway said <c>hello</c>: bad credentials fail the host's start with
/// <see cref="MitiAuthException"/>. With <see cref="MitiAgentHostingOptions.WaitForConnection"/> off it connects in the
/// background instead.</item>
/// <item><see cref="StopAsync"/> stops the client, which stops taking events, drains running handlers up to
/// <see cref="MitiAgentOptions.ShutdownTimeout"/>, cancels the rest and closes the gateway. If the host's own shutdown
/// timeout elapses first, the handlers still running are cancelled then and the stop completes.</item>
/// <item>A fatal error after the start (app disabled, secret rotated) is handled as
/// <see cref="MitiAgentHostingOptions.StopApplicationOnFatalError"/> says.</item>
/// </list>
/// </summary>
internal sealed class MitiAgentHostedService : IHostedService, IDisposable
{
    private readonly MitiAgentClient _client;
    private readonly IHostedAgentHandler _handler;
    private readonly MitiAgentHostingOptions _hosting;
    private readonly MitiOptionsSetup _setup;
    private readonly MitiAgentHostStatus _status;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _log;
    private CancellationTokenSource? _backgroundStart;
    private Task? _backgroundStartTask;
    private int _started;
    private int _subscribed;

    public MitiAgentHostedService(
        MitiAgentClient client,
        IHostedAgentHandler handler,
        MitiAgentHostingOptions hosting,
        MitiOptionsSetup setup,
        MitiAgentHostStatus status,
        IHostApplicationLifetime lifetime,
        ILogger log)
    {
        _client = client;
        _handler = handler;
        _hosting = hosting;
        _setup = setup;
        _status = status;
        _lifetime = lifetime;
        _log = log;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _handler.InitializeAsync().ConfigureAwait(false);
        foreach (string key in _setup.UnknownKeys())
        {
            HostingLog.UnknownConfigurationKey(_log, key);
        }

        HostingLog.Starting(_log, _handler.AgentType.Name, _handler.Lifetime, _handler.HandledKinds, _hosting.WaitForConnection);
        if (Interlocked.Exchange(ref _subscribed, 1) == 0)
        {
            _client.StateChanged += OnStateChanged;
        }

        if (_hosting.WaitForConnection)
        {
            await _client.StartAsync(_handler, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _started, 1);
            if (_client.State == MitiClientState.Faulted)
            {
                // Faulted between hello and the line above: the state event came before _started was set.
                OnFatalError(null);
            }

            return;
        }

        Volatile.Write(ref _started, 1);
        _backgroundStart = new CancellationTokenSource();
        _backgroundStartTask = StartInBackgroundAsync(_backgroundStart.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_backgroundStart is { } backgroundStart)
        {
            await backgroundStart.CancelAsync().ConfigureAwait(false);
            await _backgroundStartTask!.ConfigureAwait(false); // never throws: failures are handled inside
        }

        // The host's token ends the graceful part: when it fires, running handlers are cancelled at once.
        await _client.StopAsync(cancellationToken).ConfigureAwait(false);
        HostingLog.Stopped(_log);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _subscribed, 0) != 0)
        {
            _client.StateChanged -= OnStateChanged;
        }

        _backgroundStart?.Dispose();
    }

    private async Task StartInBackgroundAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // leave the host's start path at once
        try
        {
            await _client.StartAsync(_handler, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host stopped before the first connection.
        }
        catch (Exception ex)
        {
            OnFatalError(ex);
        }
    }

    private void OnStateChanged(object? sender, MitiStateChangedEventArgs e)
    {
        if (e.Current == MitiClientState.Faulted && Volatile.Read(ref _started) != 0)
        {
            OnFatalError(e.Error);
        }
    }

    private void OnFatalError(Exception? error)
    {
        if (!_status.TrySetFatalError(error ?? new MitiException("The Miti agent stopped with a fatal error.")))
        {
            return; // already handled (the state event and a failed background start can both report it)
        }

        if (!_hosting.StopApplicationOnFatalError)
        {
            HostingLog.FatalKeepRunning(_log, error);
            return;
        }

        HostingLog.FatalStoppingApplication(_log, error);
        if (Environment.ExitCode == 0)
        {
            Environment.ExitCode = 1;
        }

        // StateChanged runs on the client's connection loop: stop the application from the thread pool instead.
        _ = Task.Run(_lifetime.StopApplication);
    }
}
