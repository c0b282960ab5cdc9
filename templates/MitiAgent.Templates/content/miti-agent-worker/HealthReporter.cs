using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Company.MitiAgent1;

/// <summary>
/// Runs the registered health checks every 30 seconds and logs when the overall status changes. A web host would
/// serve them instead (app.MapHealthChecks("/healthz")); a container orchestrator can probe that endpoint.
/// </summary>
internal sealed class HealthReporter(HealthCheckService healthChecks, ILogger<HealthReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HealthStatus? last = null;
        using var timer = new PeriodicTimer(Interval);
        do
        {
            HealthReport report = await healthChecks.CheckHealthAsync(stoppingToken);
            if (report.Status != last)
            {
                logger.LogInformation("Health: {Status}", report.Status);
                last = report.Status;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
