using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NodeAgent.Health;

/// <summary>Reports a component's last background probe to grpc.health.v1 (service name = component name).</summary>
internal sealed class ComponentHealthCheck(ComponentMonitor monitor, AgentReadiness readiness, string component) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the agent is finishing crash recovery"));
        }

        var last = monitor.Last(component);
        return Task.FromResult(last switch
        {
            null => HealthCheckResult.Unhealthy($"{component} not probed yet"),
            { Healthy: true } => HealthCheckResult.Healthy($"{component} healthy at {last.Version}"),
            _ => HealthCheckResult.Unhealthy(last.Problem),
        });
    }
}
