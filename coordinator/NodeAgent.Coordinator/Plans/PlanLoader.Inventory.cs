using NodeAgent.Client.Transport;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Coordinator.Plans;

/// <summary>The inventory and the policy sections of a plan.</summary>
internal static partial class PlanLoader
{
    private static List<PlanNode> ReadInventory(YamlCursor cursor, YamlMappingNode? root, Dictionary<string, IReadOnlyList<PlanComponent>> components)
    {
        var nodes = new List<PlanNode>();
        var items = cursor.Sequence(YamlCursor.Child(root, "inventory"), "inventory", true);
        if (items.Count > MaxNodes)
        {
            cursor.Error(YamlCursor.Child(root, "inventory"), "inventory", $"{items.Count} nodes is more than the {MaxNodes} allowed");
            return nodes;
        }

        if (items.Count == 0 && YamlCursor.Child(root, "inventory") is YamlSequenceNode empty)
        {
            cursor.Error(empty, "inventory", "is empty: list at least one node (a rollout of no nodes would do nothing and report success)");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var key = $"inventory[{i}]";
            var item = cursor.Mapping(items[i], key, true, "name", "role", "address", "zone");
            var name = cursor.Text(item, key, "name", true, NodeName(), "a node name (letters, digits, '.', '_', '-'; at most 253 characters, as Kubernetes allows)");
            var role = cursor.Text(item, key, "role", true, RolePattern(), "control-plane or worker");
            var address = cursor.Text(item, key, "address", true);
            var zone = cursor.Text(item, key, "zone", false, NodeName(), "a zone label (letters, digits, '.', '_', '-')") ?? "";
            if (name is not null && !names.Add(name))
            {
                cursor.Error(YamlCursor.Child(item, "name"), $"{key}.name", $"\"{name}\" is listed twice");
            }

            if (role is not null && components.GetValueOrDefault(role) is not { Count: > 0 })
            {
                cursor.Error(YamlCursor.Child(item, "role"), $"{key}.role", $"the plan has no components for role {role}");
            }

            if (address is not null && !AgentAddress.TryParse(address, out _, out var problem))
            {
                cursor.Error(YamlCursor.Child(item, "address"), $"{key}.address", $"{problem} (for example 10.0.0.7:7443 or unix:/run/nodeagent/agent.sock)");
                address = null;
            }

            if (name is not null && role is not null && address is not null)
            {
                nodes.Add(new PlanNode(name, role, address, zone));
            }
        }

        return nodes;
    }

    private static RolloutPolicy ReadPolicy(YamlCursor cursor, YamlNode? node, List<PlanNode> inventory)
    {
        var policy = cursor.Mapping(node, "policy", false,
            "canary", "batchSize", "maxConcurrency", "failureThreshold", "soak", "healthTimeout", "callTimeout", "retries", "rollbackOnFailure", "phases", "claimTtl", "allowDowngrade");
        var canary = cursor.Mapping(YamlCursor.Child(policy, "canary"), "policy.canary", false, "nodes", "count");
        var canaryNodes = new List<string>();
        foreach (var item in cursor.Sequence(YamlCursor.Child(canary, "nodes"), "policy.canary.nodes", false))
        {
            var name = (item as YamlScalarNode)?.Value ?? "";
            if (!inventory.Any(n => n.Name == name))
            {
                cursor.Error(item, "policy.canary.nodes", $"\"{YamlCursor.Shorten(name)}\" is not in the inventory");
            }

            canaryNodes.Add(name);
        }

        var canaryCount = (int)(cursor.Integer(canary, "policy.canary", "count", false, 0, MaxNodes) ?? (canaryNodes.Count > 0 ? 0 : 1));
        var threshold = cursor.Mapping(YamlCursor.Child(policy, "failureThreshold"), "policy.failureThreshold", false, "perBatch", "total");
        var soak = cursor.Mapping(YamlCursor.Child(policy, "soak"), "policy.soak", false, "afterCanary", "betweenBatches");
        var batch = cursor.Amount(policy, "policy", "batchSize", new Amount(10, true));
        if (batch.Value == 0)
        {
            cursor.Error(YamlCursor.Child(policy, "batchSize"), "policy.batchSize", "must be at least 1 node or 1%");
        }

        var phases = new List<string>();
        foreach (var item in cursor.Sequence(YamlCursor.Child(policy, "phases"), "policy.phases", false))
        {
            var phase = (item as YamlScalarNode)?.Value ?? "";
            if (!Phases.All.Contains(phase))
            {
                cursor.Error(item, "policy.phases", $"\"{YamlCursor.Shorten(phase)}\" is not a phase; phases are {string.Join(", ", Phases.All)}");
            }

            phases.Add(phase);
        }

        var maxWait = TimeSpan.FromHours(24);
        return new RolloutPolicy(
            canaryNodes,
            canaryCount,
            batch,
            (int)(cursor.Integer(policy, "policy", "maxConcurrency", false, 1, 10_000) ?? 50),
            cursor.Amount(threshold, "policy.failureThreshold", "perBatch", new Amount(0, false)),
            cursor.Amount(threshold, "policy.failureThreshold", "total", new Amount(0, false)),
            cursor.Duration(soak, "policy.soak", "afterCanary", TimeSpan.Zero, maxWait),
            cursor.Duration(soak, "policy.soak", "betweenBatches", TimeSpan.Zero, maxWait),
            cursor.Duration(policy, "policy", "healthTimeout", TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(1)),
            cursor.Duration(policy, "policy", "callTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1)),
            (int)(cursor.Integer(policy, "policy", "retries", false, 0, 10) ?? 2),
            cursor.Boolean(policy, "policy", "rollbackOnFailure", true),
            phases.Count > 0 ? phases : Phases.All,
            cursor.Duration(policy, "policy", "claimTtl", TimeSpan.FromMinutes(2), TimeSpan.FromHours(1), TimeSpan.FromSeconds(3)),
            cursor.Boolean(policy, "policy", "allowDowngrade", false));
    }
}
