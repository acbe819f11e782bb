using NodeAgent.Client.Concurrency;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// Everything that must be true before the first node is touched: every agent reachable and idle, every planned
/// component in its catalog and healthy, every artifact staged, and no kubelet that would end up newer than the
/// API server. Returns the problems found; none means go.
/// </summary>
internal sealed class Preflight(Plan plan, IAgentClient calls)
{
    private const string ApiServer = "kube-apiserver";
    private const string Kubelet = "kubelet";

    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<NodeRecord> journaled, CancellationToken cancellationToken)
    {
        var touched = journaled.Where(j => j.State is NodeStates.InFlight or NodeStates.Succeeded).Select(j => j.Node).ToHashSet(StringComparer.Ordinal);
        var checks = await FanOut.RunAsync(plan.Inventory, plan.Policy.MaxConcurrency, (node, ct) => CheckNodeAsync(node, touched.Contains(node.Name), ct), cancellationToken);
        var problems = checks.SelectMany(c => c.Problems).ToList();
        var infos = plan.Inventory.Zip(checks).Where(c => c.Second.Info is not null).ToDictionary(c => c.First.Name, c => c.Second.Info!, StringComparer.Ordinal);

        problems.AddRange(CheckSkew(infos, journaled, touched));
        return problems.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A node this rollout already touched (done, or in flight when a coordinator was killed) may be busy with, or
    /// restarting for, this rollout's own operation: only reachability and staging are checked for it.
    /// </summary>
    private async Task<(GetInfoResponse? Info, List<string> Problems)> CheckNodeAsync(PlanNode node, bool touched, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var info = await calls.InfoAsync(node, probe: true, cancellationToken);
        if (!info.Ok)
        {
            return (null, [$"{info.Error} (agent unreachable)"]);
        }

        problems.AddRange(CatalogCheck.Missing(plan, node, info.Value!));
        foreach (var planned in plan.ComponentsOf(node))
        {
            var status = info.Value!.Components.FirstOrDefault(c => c.Name == planned.Name);
            if (status is null || touched)
            {
                continue;
            }
            else if (status.BusyOperationId.Length > 0)
            {
                problems.Add($"{node.Name}: {planned.Name} is busy with operation {status.BusyOperationId}");
            }
            else if (!status.Healthy && !VersionSkew.Same(status.Version, plan.TargetVersion))
            {
                problems.Add($"{node.Name}: {planned.Name} is not healthy before the upgrade: {status.HealthMessage}");
            }
        }

        var artifacts = plan.ComponentsOf(node).SelectMany(c => c.Files.Values).Distinct().Select(plan.Artifact).ToList();
        var room = artifacts.Sum(a => a.Size);
        if (!touched && info.Value!.Store.FreeBytes < room)
        {
            problems.Add($"{node.Name}: {info.Value.Store.FreeBytes} bytes free in the agent's state directory; the old files it keeps need up to {room}");
        }

        var digests = artifacts.Select(a => a.Sha256).ToList();
        var staged = await calls.StagedAsync(node, digests, cancellationToken);
        if (!staged.Ok)
        {
            problems.Add(staged.Error!);
        }
        else
        {
            var missing = digests.Except(staged.Value!.Artifacts.Select(a => a.Sha256)).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"{node.Name}: {missing.Count} artifact(s) not staged ({string.Join(", ", plan.Artifacts.Where(a => missing.Contains(a.Sha256)).Select(a => a.Name))}); run nodeagent-coordinator stage first");
            }
        }

        return (info.Value, problems);
    }

    /// <summary>A kubelet must never be newer than the API server: the control plane goes first.</summary>
    private IEnumerable<string> CheckSkew(Dictionary<string, GetInfoResponse> infos, IReadOnlyList<NodeRecord> journaled, HashSet<string> touched)
    {
        var controlPlane = plan.Inventory.Where(n => n.Role == Roles.ControlPlane).ToList();
        var apiVersions = controlPlane
            .Select(n => infos.GetValueOrDefault(n.Name)?.Components.FirstOrDefault(c => c.Name == ApiServer)?.Version)
            .OfType<string>().Where(v => v.Length > 0).ToList();
        if (apiVersions.Count == 0)
        {
            yield break;
        }

        var oldestApi = apiVersions.OrderBy(v => v, Comparer<string>.Create(VersionSkew.Compare)).First();
        foreach (var (name, info) in infos.Where(i => !touched.Contains(i.Key)))
        {
            var kubelet = info.Components.FirstOrDefault(c => c.Name == Kubelet)?.Version ?? "";
            if (kubelet.Length > 0 && VersionSkew.Compare(kubelet, oldestApi) > 0)
            {
                yield return $"{name}: kubelet {kubelet} is already newer than the oldest API server ({oldestApi})";
            }
        }

        var controlPlaneDone = controlPlane.All(n => journaled.Any(j => j.Node == n.Name && NodeStates.IsDone(j.State)));
        var workerCanaries = BatchPlanner.Canaries(plan).Where(n => n.Role == Roles.Worker).ToList();
        if (!controlPlaneDone && workerCanaries.Count > 0 && VersionSkew.Compare(plan.TargetVersion, oldestApi) > 0)
        {
            yield return $"canary {string.Join(", ", workerCanaries.Select(n => n.Name))} would get kubelet {plan.TargetVersion}, newer than the API server ({oldestApi}): canary a control-plane node instead (policy.canary)";
        }
    }
}
