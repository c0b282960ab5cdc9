using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MitiAgent.Hosting.Internal;

/// <summary>
/// Maps <see cref="MitiAgentClient.State"/> to a health status: <c>Connected</c> is healthy, <c>Connecting</c> and
/// <c>Reconnecting</c> are degraded, everything else (<c>Idle</c>, <c>Stopping</c>, <c>Stopped</c>, <c>Faulted</c>) is
/// the registration's failure status, as is a missing <c>AddMitiAgent</c>. The data holds the state's name only.
/// </summary>
internal sealed class MitiAgentHealthCheck(MitiAgentClient? client, MitiAgentHostStatus? status) : IHealthCheck
{
    /// <summary>The key of the state's name in <see cref="HealthCheckResult.Data"/>.</summary>
    public const string StateKey = "state";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (client is null)
        {
            return Task.FromResult(new HealthCheckResult(
                context.Registration.FailureStatus,
                "No Miti agent is registered: call services.AddMitiAgent<TAgent>() as well as AddHealthChecks().AddMitiAgent()."));
        }

        var state = client.State;
        var data = new Dictionary<string, object> { [StateKey] = state.ToString() };
        var result = state switch
        {
            MitiClientState.Connected => HealthCheckResult.Healthy("Connected to the Miti gateway.", data),
            MitiClientState.Connecting => HealthCheckResult.Degraded("Connecting to the Miti gateway.", data: data),
            MitiClientState.Reconnecting => HealthCheckResult.Degraded("The connection to the Miti gateway was lost; reconnecting.", data: data),
            MitiClientState.Idle => Failed(context, "The Miti agent has not been started.", null, data),
            MitiClientState.Stopping => Failed(context, "The Miti agent is stopping.", null, data),
            MitiClientState.Stopped => Failed(context, "The Miti agent has stopped.", null, data),
            _ => Failed(context, "The Miti agent stopped with a fatal error.", status?.FatalError, data),
        };
        return Task.FromResult(result);
    }

    private static HealthCheckResult Failed(HealthCheckContext context, string description, Exception? error, Dictionary<string, object> data) =>
        new(context.Registration.FailureStatus, description, error, data);
}
