using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Coordinator.Plans;

/// <summary>Reads and validates the plan's <c>cluster:</c> section, collecting every problem in the cursor.</summary>
internal static partial class ClusterPlanReader
{
    public static ClusterPlan Read(YamlCursor cursor, YamlMappingNode? root, string planDirectory)
    {
        var node = YamlCursor.Child(root, "cluster");
        if (node is null)
        {
            return ClusterPlan.None;
        }

        var cluster = cursor.Mapping(node, "cluster", true, "kubernetes", "preflight", "podLabel", "controllers", "etcd", "alertmanager", "gates");
        var preflight = cursor.Mapping(YamlCursor.Child(cluster, "preflight"), "cluster.preflight", false, "matchNodeSelector", "tolerations", "fixLabels");
        var controllers = new List<string>();
        foreach (var item in cursor.Sequence(YamlCursor.Child(cluster, "controllers"), "cluster.controllers", false))
        {
            var name = (item as YamlScalarNode)?.Value ?? "";
            if (!Token().IsMatch(name))
            {
                cursor.Error(item, "cluster.controllers", $"\"{YamlCursor.Shorten(name)}\" is not a component name");
                continue;
            }

            controllers.Add(name);
        }

        return new ClusterPlan(
            ReadKubernetes(cursor, cluster, planDirectory),
            new ClusterPreflight(
                cursor.Boolean(preflight, "cluster.preflight", "matchNodeSelector", true),
                cursor.Boolean(preflight, "cluster.preflight", "tolerations", true),
                cursor.Boolean(preflight, "cluster.preflight", "fixLabels", false)),
            cursor.Text(cluster, "cluster", "podLabel", false, LabelKey(), "a label key such as example.com/refreshed") ?? ClusterPlan.DefaultPodLabel,
            YamlCursor.Child(cluster, "controllers") is null ? ClusterPlan.DefaultControllers : controllers,
            ReadEtcd(cursor, cluster, planDirectory),
            ReadSilence(cursor, cluster),
            ReadGates(cursor, cluster));
    }

    private static KubernetesAccess? ReadKubernetes(YamlCursor cursor, YamlMappingNode? cluster, string planDirectory)
    {
        var node = YamlCursor.Child(cluster, "kubernetes");
        if (node is null)
        {
            return null;
        }

        var kubernetes = cursor.Mapping(node, "cluster.kubernetes", true, "kubeconfig", "context", "inCluster");
        var inCluster = cursor.Boolean(kubernetes, "cluster.kubernetes", "inCluster", false);
        var kubeconfig = FilePath(cursor, kubernetes, "cluster.kubernetes", "kubeconfig", planDirectory, mustExist: true);
        var context = cursor.Text(kubernetes, "cluster.kubernetes", "context", false, ContextName(), "a kubeconfig context name");
        if (inCluster == (YamlCursor.Child(kubernetes, "kubeconfig") is not null))
        {
            cursor.Error(node, "cluster.kubernetes", "give exactly one of kubeconfig (a file) and inCluster: true (the pod's service account)");
        }

        return new KubernetesAccess(kubeconfig, context, inCluster);
    }

    private static EtcdBackup? ReadEtcd(YamlCursor cursor, YamlMappingNode? cluster, string planDirectory)
    {
        var node = YamlCursor.Child(cluster, "etcd");
        if (node is null)
        {
            return null;
        }

        const string key = "cluster.etcd";
        var etcd = cursor.Mapping(node, key, true, "etcdctl", "endpoints", "snapshotDirectory", "caCert", "cert", "key", "timeout");
        var endpoints = new List<string>();
        foreach (var item in cursor.Sequence(YamlCursor.Child(etcd, "endpoints"), $"{key}.endpoints", true))
        {
            var url = (item as YamlScalarNode)?.Value ?? "";
            if (!(Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && parsed.AbsolutePath == "/" && !url.Any(char.IsControl)))
            {
                cursor.Error(item, $"{key}.endpoints", $"\"{YamlCursor.Shorten(url)}\" is not an etcd client URL such as https://10.0.0.1:2379");
                continue;
            }

            endpoints.Add(url);
        }

        if (endpoints.Count == 0 && YamlCursor.Child(etcd, "endpoints") is { } empty)
        {
            cursor.Error(empty, $"{key}.endpoints", "needs at least one endpoint");
        }

        var etcdctl = FilePath(cursor, etcd, key, "etcdctl", planDirectory, mustExist: true) ?? "/usr/bin/etcdctl";
        var directory = FilePath(cursor, etcd, key, "snapshotDirectory", planDirectory, mustExist: false);
        if (YamlCursor.Child(etcd, "snapshotDirectory") is null)
        {
            cursor.Error(node, $"{key}.snapshotDirectory", "is required: where the snapshot file is written");
        }

        var ca = FilePath(cursor, etcd, key, "caCert", planDirectory, mustExist: true);
        var cert = FilePath(cursor, etcd, key, "cert", planDirectory, mustExist: true);
        var privateKey = FilePath(cursor, etcd, key, "key", planDirectory, mustExist: true);
        if ((cert is null) != (privateKey is null))
        {
            cursor.Error(node, key, "cert and key go together");
        }

        var timeout = cursor.Duration(etcd, key, "timeout", TimeSpan.FromMinutes(5), TimeSpan.FromHours(2), TimeSpan.FromSeconds(5));
        return directory is null ? null : new EtcdBackup(etcdctl, endpoints, directory, ca, cert, privateKey, timeout);
    }

    private static AlertSilencePlan? ReadSilence(YamlCursor cursor, YamlMappingNode? cluster)
    {
        var node = YamlCursor.Child(cluster, "alertmanager");
        if (node is null)
        {
            return null;
        }

        const string key = "cluster.alertmanager";
        var alertmanager = cursor.Mapping(node, key, true, "url", "matchers", "duration", "createdBy", "comment");
        var urlText = cursor.Text(alertmanager, key, "url", true);
        Uri? url = null;
        if (urlText is not null && !(Uri.TryCreate(urlText, UriKind.Absolute, out url) && url.Scheme is "http" or "https" && !urlText.Any(char.IsControl)))
        {
            cursor.Error(YamlCursor.Child(alertmanager, "url"), $"{key}.url", $"\"{YamlCursor.Shorten(urlText)}\" is not an http(s) URL of Alertmanager");
            url = null;
        }

        var matchers = new List<PlanSilenceMatcher>();
        var items = cursor.Sequence(YamlCursor.Child(alertmanager, "matchers"), $"{key}.matchers", true);
        for (var i = 0; i < items.Count; i++)
        {
            var itemKey = $"{key}.matchers[{i}]";
            var item = cursor.Mapping(items[i], itemKey, true, "name", "value", "regex", "equal");
            var name = cursor.Text(item, itemKey, "name", true, AlertLabel(), "an alert label name");
            var value = cursor.Text(item, itemKey, "value", true);
            if (name is not null && value is not null)
            {
                matchers.Add(new PlanSilenceMatcher(name, value, cursor.Boolean(item, itemKey, "regex", false), cursor.Boolean(item, itemKey, "equal", true)));
            }
        }

        if (items.Count == 0 && YamlCursor.Child(alertmanager, "matchers") is { } empty)
        {
            cursor.Error(empty, $"{key}.matchers", "needs at least one matcher (a silence without matchers would silence everything)");
        }

        var duration = cursor.Duration(alertmanager, key, "duration", TimeSpan.FromHours(1), TimeSpan.FromDays(7), TimeSpan.FromMinutes(1));
        var createdBy = cursor.Text(alertmanager, key, "createdBy", false) ?? "nodeagent-coordinator";
        var comment = cursor.Text(alertmanager, key, "comment", false) ?? "";
        return url is null || matchers.Count == 0 ? null : new AlertSilencePlan(url, matchers, duration, createdBy, comment);
    }

    private static ClusterGates ReadGates(YamlCursor cursor, YamlMappingNode? cluster)
    {
        const string key = "cluster.gates";
        var gates = cursor.Mapping(YamlCursor.Child(cluster, "gates"), key, false, "maxContainerRestarts", "requireContainerCheck", "maxConnectionGrowth", "connectionGrowthFails", "connectionSoak");
        int? restarts = 0;
        if (cursor.Text(gates, key, "maxContainerRestarts", false) == "off")
        {
            restarts = null;
        }
        else if (cursor.Integer(gates, key, "maxContainerRestarts", false, 0, 100_000) is { } max)
        {
            restarts = (int)max;
        }

        double? growth = null;
        if (cursor.Text(gates, key, "maxConnectionGrowth", false) is { } growthText)
        {
            if (double.TryParse(growthText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var factor) && factor is >= 1 and <= 1000)
            {
                growth = factor;
            }
            else
            {
                cursor.Error(YamlCursor.Child(gates, "maxConnectionGrowth"), $"{key}.maxConnectionGrowth", $"\"{YamlCursor.Shorten(growthText)}\" is not a factor from 1 to 1000, such as 2 or 1.5");
            }
        }

        return new ClusterGates(
            restarts,
            cursor.Boolean(gates, key, "requireContainerCheck", false),
            growth,
            cursor.Duration(gates, key, "connectionSoak", TimeSpan.Zero, TimeSpan.FromMinutes(10)),
            cursor.Boolean(gates, key, "connectionGrowthFails", true));
    }

    /// <summary>An optional path resolved against the plan's directory, without control characters.</summary>
    private static string? FilePath(YamlCursor cursor, YamlMappingNode? mapping, string parent, string name, string planDirectory, bool mustExist)
    {
        var value = cursor.Text(mapping, parent, name, false);
        if (value is null)
        {
            return null;
        }

        if (value.Length is 0 or > 4096 || value.Any(char.IsControl))
        {
            cursor.Error(YamlCursor.Child(mapping, name), YamlCursor.Join(parent, name), $"\"{YamlCursor.Shorten(value)}\" must be a path without control characters, at most 4096 long");
            return null;
        }

        var resolved = Path.GetFullPath(Path.Combine(planDirectory, value));
        if (mustExist && !File.Exists(resolved))
        {
            cursor.Error(YamlCursor.Child(mapping, name), YamlCursor.Join(parent, name), $"{resolved} does not exist");
            return null;
        }

        return resolved;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex Token();

    /// <summary>kubeconfig context names are free text (kubernetes-admin@kubernetes, EKS ARNs): printable, no spaces.</summary>
    [GeneratedRegex(@"^[\x21-\x7e]{1,253}\z")]
    private static partial Regex ContextName();

    /// <summary>A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63.</summary>
    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\z")]
    private static partial Regex LabelKey();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}\\z")]
    private static partial Regex AlertLabel();
}
