using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cli;

/// <summary>
/// <c>nodeagent-coordinator inventory</c>: lists the cluster's nodes from the Kubernetes API as a plan's
/// <c>inventory:</c> section, each mapped to its agent's address (an annotation, else a template) and given its
/// role from the node labels. The output is reviewed and pasted into the plan, so the plan stays the one record of
/// what a rollout touches.
/// </summary>
internal static partial class InventoryCommand
{
    private static readonly string[] ControlPlaneLabels = ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

    public static Command Build()
    {
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)" };
        var context = new Option<string?>("--context") { Description = "kubeconfig context (default: its current context)" };
        var template = new Option<string>("--address-template") { Description = "Agent address from {name} (node name) and {ip} (its InternalIP)", DefaultValueFactory = _ => "{ip}:7443" };
        var annotation = new Option<string>("--address-annotation") { Description = "Node annotation that, when present, holds the agent address", DefaultValueFactory = _ => "nodeagent.io/address" };
        var command = new Command("inventory", "Print the plan's inventory section from the nodes in the Kubernetes API") { kubeconfig, context, template, annotation };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(kubeconfig);
            try
            {
                using var kube = KubeCluster.Connect(new KubernetesAccess(path is null ? null : Path.GetFullPath(path), parse.GetValue(context), InCluster: false));
                var nodes = await kube.NodesAsync(cancellationToken);
                await parse.InvocationConfiguration.Output.WriteAsync(Render(nodes, parse.GetValue(template)!, parse.GetValue(annotation)!));
                return ExitCodes.Ok;
            }
            catch (CoordinatorException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"nodeagent-coordinator: {ex.Message}");
                return ExitCodes.Refused;
            }
        });
        return command;
    }

    internal static string Render(IEnumerable<V1Node> nodes, string template, string annotation)
    {
        var text = new StringBuilder("inventory:\n");
        foreach (var node in nodes.OrderBy(n => Role(n) == Roles.ControlPlane ? 0 : 1).ThenBy(n => n.Metadata.Name, StringComparer.Ordinal))
        {
            var ip = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address ?? node.Metadata.Name;
            var templated = template.Replace("{name}", node.Metadata.Name, StringComparison.Ordinal).Replace("{ip}", ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip, StringComparison.Ordinal);
            var address = templated;
            if (node.Metadata.Annotations?.TryGetValue(annotation, out var annotated) == true)
            {
                if (Address().IsMatch(annotated))
                {
                    address = annotated;
                }
                else
                {
                    text.Append(CultureInfo.InvariantCulture, $"  # {node.Metadata.Name}: annotation {annotation} is not an address such as 10.0.0.7:7443; the template is used\n");
                }
            }

            text.Append(CultureInfo.InvariantCulture, $"  - name: {node.Metadata.Name}\n    role: {Role(node)}\n    address: \"{address}\"\n");
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\-\[\]:]{1,253}:[0-9]{1,5}\z")]
    private static partial Regex Address();

    private static string Role(V1Node node) =>
        ControlPlaneLabels.Any(l => node.Metadata.Labels?.ContainsKey(l) == true) ? Roles.ControlPlane : Roles.Worker;
}
