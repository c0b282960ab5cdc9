using Microsoft.Extensions.Diagnostics.HealthChecks;
using MitiAgent;
using MitiAgent.Hosting.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the health check of the hosted Miti agent.</summary>
public static class MitiAgentHealthChecksBuilderExtensions
{
    /// <summary>The default name of the check.</summary>
    public const string DefaultName = "miti";

    /// <summary>
    /// Adds a check of the connection of the agent registered with <c>AddMitiAgent&lt;TAgent&gt;()</c>:
    /// <see cref="HealthStatus.Healthy"/> when connected to the gateway, <see cref="HealthStatus.Degraded"/> while connecting
    /// or reconnecting, and <paramref name="failureStatus"/> when not started, stopping, stopped or stopped by a fatal
    /// error (then the error is the result's exception), or when <c>AddMitiAgent&lt;TAgent&gt;()</c> was not called. The result's data has one entry, <c>state</c>, the name of the
    /// <see cref="MitiClientState"/>; nothing else (no ids, no credentials).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The name of the check (default <c>miti</c>).</param>
    /// <param name="failureStatus">The status reported for a failure (default <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>, <c>live</c>).</param>
    /// <param name="timeout">An optional timeout of the check.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddMitiAgent(
        this IHealthChecksBuilder builder,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            static services => new MitiAgentHealthCheck(services.GetService<MitiAgentClient>(), services.GetService<MitiAgentHostStatus>()),
            failureStatus,
            tags,
            timeout));
    }
}
