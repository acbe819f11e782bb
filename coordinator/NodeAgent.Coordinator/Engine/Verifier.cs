using NodeAgent.Client.Concurrency;
using k8s.Models;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// A node's state after the upgrade: what its agent reports, and with Kubernetes access what the API says (Ready,
/// the kubelet version), plus the agent's container and connection checks. Null means not known.
/// </summary>
internal sealed record NodeVerification(string Node, bool Ok, string Detail, bool? Ready = null, string? KubeletVersion = null, NodeChecks? Checks = null);

/// <summary>
/// Checks nodes by observing them: every planned component healthy and reporting the target version; with
/// Kubernetes access, the node Ready and its kubelet version at the target; containers restarted within the plan's
/// gate and API server connections not grown beyond its factor.
/// </summary>
internal sealed class Verifier(Plan plan, IAgentClient calls, KubeCluster? kube, Func<string, NodeChecks?> checks)
{
    private const string Kubelet = "kubelet";

    public async Task<IReadOnlyList<NodeVerification>> VerifyAsync(IEnumerable<PlanNode> nodes, CancellationToken cancellationToken)
    {
        var results = await FanOut.RunAsync(nodes, plan.Policy.MaxConcurrency, VerifyAsync, cancellationToken);
        return results.OrderBy(r => r.Node, StringComparer.Ordinal).ToList();
    }

    public async Task<NodeVerification> VerifyAsync(PlanNode node, CancellationToken cancellationToken)
    {
        var measured = checks(node.Name);
        var info = await calls.InfoAsync(node, probe: true, cancellationToken);
        if (!info.Ok)
        {
            return new NodeVerification(node.Name, false, info.Error!, Checks: measured);
        }

        var problems = ComponentProblems(node, info.Value!).ToList();

        var (ready, kubeletVersion) = await ApiViewAsync(node, problems, cancellationToken);
        problems.AddRange(Gates(measured));
        var facts = new List<string> { $"components at {plan.TargetVersion}" };
        if (ready is not null)
        {
            facts.Add($"Ready={ready}, kubelet {kubeletVersion}");
        }

        facts.Add(measured?.ContainersRestarted is { } restarted ? $"containers restarted: {restarted}" : "containers restarted: not measured");
        if (measured is { ConnectionsBefore: { } before, ConnectionsAfter: { } after })
        {
            facts.Add(plan.Cluster.Gates.MaxConnectionGrowth is { } factor && measured.ConnectionsGrewBeyond(factor)
                ? $"FLAGGED: API server connections grew from {before} to {after}, more than {factor}x"
                : $"API server connections {before} -> {after}");
        }

        return new NodeVerification(node.Name, problems.Count == 0, problems.Count == 0 ? string.Join("; ", facts) : string.Join("; ", problems), ready, kubeletVersion, measured);
    }

    /// <summary>
    /// The node's agent-side state only (every planned component healthy at the target, probed now): what a node is
    /// checked for right after its own apply, before the rollout counts it as done.
    /// </summary>
    public async Task<string?> CheckComponentsAsync(PlanNode node, CancellationToken cancellationToken)
    {
        var info = await calls.InfoAsync(node, probe: true, cancellationToken);
        var problems = info.Ok ? ComponentProblems(node, info.Value!).ToList() : [info.Error!];
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private IEnumerable<string> ComponentProblems(PlanNode node, NodeAgent.Contracts.V1.GetInfoResponse info)
    {
        foreach (var planned in plan.ComponentsOf(node))
        {
            var status = info.Components.FirstOrDefault(c => c.Name == planned.Name);
            if (status is null || !status.Healthy)
            {
                yield return $"{planned.Name} not healthy: {status?.HealthMessage ?? "not in the agent's catalog"}";
            }
            else if (!VersionSkew.Same(status.Version, plan.TargetVersion))
            {
                yield return $"{planned.Name} reports {status.Version}, not {plan.TargetVersion}";
            }
        }
    }

    /// <summary>The container and connection gates of the plan, as problems.</summary>
    private IEnumerable<string> Gates(NodeChecks? measured)
    {
        var gates = plan.Cluster.Gates;
        if (gates.MaxContainerRestarts is { } max && measured?.ContainersRestarted is { } restarted && restarted > max)
        {
            yield return $"{restarted} container(s) restarted (at most {max} allowed): {measured.Detail}";
        }

        if (gates.RequireContainerCheck && measured is not null && measured.ContainersRestarted is null)
        {
            yield return $"no container check was measured, and the plan requires one ({(measured.Detail.Length > 0 ? measured.Detail : "the agent has no container check for the upgraded components")})";
        }

        if (gates.MaxConnectionGrowth is { } factor && gates.ConnectionGrowthFails && measured is not null && measured.ConnectionsGrewBeyond(factor))
        {
            yield return $"API server connections grew from {measured.ConnectionsBefore} to {measured.ConnectionsAfter}, more than {factor}x";
        }
    }

    /// <summary>With Kubernetes access: the node's Ready condition and kubelet version, adding problems when either is off.</summary>
    private async Task<(bool? Ready, string? KubeletVersion)> ApiViewAsync(PlanNode node, List<string> problems, CancellationToken cancellationToken)
    {
        if (kube is null)
        {
            return (null, null);
        }

        V1Node? apiNode;
        try
        {
            apiNode = await kube.NodeAsync(node.Name, cancellationToken);
        }
        catch (CoordinatorException ex)
        {
            problems.Add(ex.Message);
            return (null, null);
        }

        if (apiNode is null)
        {
            problems.Add("the Kubernetes API has no node of that name");
            return (false, null);
        }

        var ready = apiNode.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
        var version = apiNode.Status?.NodeInfo?.KubeletVersion ?? "";
        if (!ready)
        {
            problems.Add("the node is not Ready in the Kubernetes API");
        }

        if (plan.ComponentsOf(node).Any(c => c.Name == Kubelet) && !VersionSkew.Same(version, plan.TargetVersion))
        {
            problems.Add($"the API reports kubelet {(version.Length > 0 ? version : "(none)")}, not {plan.TargetVersion}");
        }

        return (ready, version);
    }
}
