using System.Net;
using NodeAgent.Configuration;
using NodeAgent.Operations;

namespace NodeAgent.Checks;

/// <summary>
/// The measurements around an apply's restart: the node's containers (zero-restart proof) and the component's API
/// server connections. They only observe: a failure to measure is recorded as "not measured", never thrown, and
/// nothing here fails or rolls back the apply (the coordinator gates on the figures).
/// </summary>
internal sealed class ApplyChecks(ContainerRuntimeClient runtime, AgentOptions options, TimeProvider time)
{
    private readonly IReadOnlyList<IPEndPoint> _endpoints = options.ApiServer.Endpoints.Select(ApiEndpoint.Parse).OfType<IPEndPoint>().ToList();

    /// <summary>Measures just before the restart; the returned change is journaled with the Restarting step.</summary>
    public async Task<Func<OperationRecord, OperationRecord>> BeforeRestartAsync(OperationRecord op, CatalogComponent component, long mainPid, CancellationToken cancellationToken)
    {
        ContainerCheckRecord? containers = null;
        List<ContainerRecord>? before = null;
        if (op.Kind == OpKind.Apply && component.CheckContainers)
        {
            try
            {
                before = (await runtime.SnapshotAsync(cancellationToken)).Running.Select(ContainerComparison.ToRecord).ToList();
            }
            catch (ContainerRuntimeException ex)
            {
                containers = new ContainerCheckRecord { Problem = $"before the restart: {ex.Message}" };
            }
        }

        ConnectionCountRecord? connections = null;
        if (op.Kind == OpKind.Apply && component.CountConnections)
        {
            var (count, problem) = Count(mainPid, "before the restart");
            connections = new ConnectionCountRecord { Endpoints = options.ApiServer.Endpoints.ToList(), Before = count, Problem = problem };
        }

        return r => r with { ContainersBefore = before, ContainerCheck = containers, Connections = connections };
    }

    /// <summary>After the health check (and the connection soak): the results and a one-line summary for the finish message.</summary>
    public async Task<(ContainerCheckRecord? Containers, ConnectionCountRecord? Connections, string Summary)> AfterHealthyAsync(
        OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        if (op.Kind != OpKind.Apply)
        {
            return (null, null, "");
        }

        ConnectionCountRecord? connections = null;
        if (component.CountConnections)
        {
            var healthyAt = op.Events.LastOrDefault(e => e.Step == OpStep.Healthy)?.Time ?? time.GetUtcNow();
            var wait = healthyAt + TimeSpan.FromSeconds(op.ConnectionSoakSeconds) - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            var (after, problem) = Count(op.NewMainPid, "after the health check");
            var before = op.Connections?.Before;
            connections = new ConnectionCountRecord
            {
                Measured = before is not null && after is not null,
                Before = before,
                After = after ?? 0,
                Endpoints = options.ApiServer.Endpoints.ToList(),
                Problem = before is null ? op.Connections?.Problem is { Length: > 0 } earlier ? earlier : "the agent restarted before the first count; nothing to compare with" : problem,
            };
        }

        var containers = component.CheckContainers ? await CompareContainersAsync(op, cancellationToken) : null;
        var summary = string.Join("; ", new[] { Describe(containers), Describe(connections) }.Where(s => s.Length > 0));
        return (containers, connections, summary);
    }

    private async Task<ContainerCheckRecord> CompareContainersAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        RuntimeSnapshot after;
        try
        {
            after = await runtime.SnapshotAsync(cancellationToken);
        }
        catch (ContainerRuntimeException ex)
        {
            return new ContainerCheckRecord { RunningBefore = op.ContainersBefore?.Count ?? 0, Problem = op.ContainerCheck?.Problem ?? $"after the health check: {ex.Message}" };
        }

        if (op.ContainersBefore is null)
        {
            return new ContainerCheckRecord { RunningAfter = after.Running.Count, Problem = op.ContainerCheck?.Problem ?? "the agent restarted before the first snapshot; nothing to compare with" };
        }

        return ContainerComparison.Compare(op.ContainersBefore, after);
    }

    private (int? Count, string Problem) Count(long pid, string when)
    {
        if (pid <= 0)
        {
            return (null, $"{when}: the service had no main process");
        }

        try
        {
            return (ConnectionCounter.Count((int)pid, _endpoints), "");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"{when}: cannot read the connections of pid {pid} ({ex.Message})");
        }
    }

    private static string Describe(ContainerCheckRecord? check) => check switch
    {
        null => "",
        { Measured: true } => $"containers: {check.RunningBefore} running before, {check.RunningAfter} after, {check.Restarted.Count} restarted",
        _ => $"containers: not measured ({check.Problem})",
    };

    private static string Describe(ConnectionCountRecord? count) => count switch
    {
        null => "",
        { Measured: true } => $"api server connections: {count.Before} before, {count.After} after",
        _ => $"api server connections: not measured ({count.Problem})",
    };
}
