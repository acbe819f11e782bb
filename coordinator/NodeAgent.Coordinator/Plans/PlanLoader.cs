using System.Security.Cryptography;
using System.Text.RegularExpressions;
using NodeAgent.Client.Transport;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Coordinator.Plans;

/// <summary>Reads and validates a rollout plan; every problem is reported with its file, line, column and key.</summary>
internal static partial class PlanLoader
{
    public const long MaxPlanBytes = 4 * 1024 * 1024;
    private const int MaxNodes = 100_000;

    public static Plan Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new PlanException([$"{path} is a directory, not a plan file"]);
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new PlanException([$"{path}: no such plan file"]);
        }

        if (info.Length > MaxPlanBytes)
        {
            throw new PlanException([$"{path}: {info.Length} bytes is larger than the {MaxPlanBytes}-byte limit for a plan"]);
        }

        var bytes = File.ReadAllBytes(path);
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(new MemoryStream(bytes));
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new PlanException([YamlError.Describe(path, bytes, ex)]);
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or PlanException))
        {
            // YamlDotNet's scanner throws a bare Exception on some malformed input (found by the random-plan tests).
            throw new PlanException([$"{path}: not valid YAML: {YamlCursor.Escape(ex.Message)}"]);
        }

        var cursor = new YamlCursor(Path.GetFileName(path));
        var root = cursor.Mapping(stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null, "", true,
            "rollout", "targetVersion", "artifacts", "components", "inventory", "policy", "tls", "signature", "cluster");
        if (root is null)
        {
            // An empty file, or a file whose top level is not a mapping: every key after this would be a follow-on error.
            throw new PlanException(cursor.Errors);
        }

        var planDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var rollout = cursor.Text(root, "", "rollout", true, Token(), "a rollout id (letters, digits, '.', '_', '-'; at most 64)");
        var target = cursor.Text(root, "", "targetVersion", true, Version(), "a version such as v1.17.0");
        // Artifacts named in the file, valid or not: a component that uses a broken one is not a second error.
        var declared = new HashSet<string>(StringComparer.Ordinal);
        var artifacts = ReadArtifacts(cursor, root, planDirectory, declared);
        var components = ReadComponents(cursor, root, declared);
        var inventory = ReadInventory(cursor, root, components);
        var policy = ReadPolicy(cursor, YamlCursor.Child(root, "policy"), inventory);
        var tls = ReadTls(cursor, root, planDirectory);
        var signature = ReadSignature(cursor, root);
        var cluster = ClusterPlanReader.Read(cursor, root, planDirectory);
        if (tls is null)
        {
            foreach (var node in inventory.Where(n => !AgentAddress.Parse(n.Address).IsLocal))
            {
                cursor.Error(YamlCursor.Child(root, "inventory"), "tls", $"node {node.Name} is reached at {node.Address}, which is not loopback: add a tls section (agents accept plaintext on loopback only)");
            }
        }

        if (cursor.Errors.Count > 0)
        {
            throw new PlanException(cursor.Errors);
        }

        return new Plan(rollout!, target!, artifacts, components, inventory, policy, Convert.ToHexStringLower(SHA256.HashData(bytes)), tls, signature, cluster);
    }

    private static ClientTlsFiles? ReadTls(YamlCursor cursor, YamlMappingNode? root, string planDirectory)
    {
        var node = YamlCursor.Child(root, "tls");
        if (node is null)
        {
            return null;
        }

        var tls = cursor.Mapping(node, "tls", true, "ca", "certificate", "key");
        var paths = new List<string>();
        foreach (var key in new[] { "ca", "certificate", "key" })
        {
            if (PathText(cursor, tls, "tls", key) is not { } value)
            {
                continue;
            }

            var resolved = Path.GetFullPath(Path.Combine(planDirectory, value));
            if (!File.Exists(resolved))
            {
                cursor.Error(YamlCursor.Child(tls, key), $"tls.{key}", $"{resolved} does not exist");
            }

            paths.Add(resolved);
        }

        return paths.Count == 3 ? new ClientTlsFiles(paths[0], paths[1], paths[2]) : null;
    }

    /// <summary>A required path or URL: no control characters (a NUL would reach the file system), at most 4096 long.</summary>
    private static string? PathText(YamlCursor cursor, YamlMappingNode? mapping, string parent, string name)
    {
        var value = cursor.Text(mapping, parent, name, true);
        if (value is not null && (value.Length > 4096 || value.Any(char.IsControl)))
        {
            cursor.Error(YamlCursor.Child(mapping, name), YamlCursor.Join(parent, name), $"\"{YamlCursor.Shorten(value)}\" must be a path or URL without control characters, at most 4096 long");
            return null;
        }

        return value;
    }

    private static PlanSignature? ReadSignature(YamlCursor cursor, YamlMappingNode? root)
    {
        var node = YamlCursor.Child(root, "signature");
        if (node is null)
        {
            return null;
        }

        var signature = cursor.Mapping(node, "signature", true, "expires", "value");
        var expiresText = cursor.Text(signature, "signature", "expires", true);
        var value = cursor.Text(signature, "signature", "value", true);
        DateTimeOffset expires = default;
        if (expiresText is not null && !DateTimeOffset.TryParseExact(expiresText, "yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out expires))
        {
            cursor.Error(YamlCursor.Child(signature, "expires"), "signature.expires", $"\"{YamlCursor.Shorten(expiresText)}\" is not a UTC time such as 2026-12-05T10:00:00Z");
            expiresText = null;
        }

        var bytes = new byte[64];
        if (value is not null && (!Convert.TryFromBase64String(value, bytes, out var written) || written != 64))
        {
            cursor.Error(YamlCursor.Child(signature, "value"), "signature.value", "must be the base64 ECDSA P-256 signature that nodeagent-coordinator sign prints (64 bytes)");
            value = null;
        }

        return expiresText is not null && value is not null ? new PlanSignature(expires, bytes) : null;
    }

    private static List<PlanArtifact> ReadArtifacts(YamlCursor cursor, YamlMappingNode? root, string planDirectory, HashSet<string> declared)
    {
        var artifacts = new List<PlanArtifact>();
        var items = cursor.Sequence(YamlCursor.Child(root, "artifacts"), "artifacts", true);
        for (var i = 0; i < items.Count; i++)
        {
            var key = $"artifacts[{i}]";
            var item = cursor.Mapping(items[i], key, true, "name", "sha256", "size", "source");
            var name = cursor.Text(item, key, "name", true, Token(), "an artifact name (letters, digits, '.', '_', '-'; at most 64 characters)");
            if ((YamlCursor.Child(item, "name") as YamlScalarNode)?.Value is { } written)
            {
                declared.Add(written);
            }

            var sha = cursor.Text(item, key, "sha256", true, Digest(), "a SHA-256 digest of 64 lowercase hex characters");
            var size = cursor.Integer(item, key, "size", true, 1, 8L * 1024 * 1024 * 1024);
            var source = PathText(cursor, item, key, "source");
            if (name is not null && artifacts.Any(a => a.Name == name))
            {
                cursor.Error(YamlCursor.Child(item, "name"), $"{key}.name", $"\"{name}\" is listed twice");
            }

            if (source is not null && source.Contains("://", StringComparison.Ordinal) && !(Uri.TryCreate(source, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                cursor.Error(YamlCursor.Child(item, "source"), $"{key}.source", $"\"{YamlCursor.Shorten(source)}\" is neither a file path nor an http(s) URL");
                source = null;
            }

            if (name is not null && sha is not null && size is not null && source is not null)
            {
                var resolved = PlanArtifact.IsUrl(source) || Path.IsPathRooted(source) ? source : Path.GetFullPath(Path.Combine(planDirectory, source));
                if (!PlanArtifact.IsUrl(resolved))
                {
                    CheckSourceFile(cursor, item, key, resolved, size.Value);
                }

                artifacts.Add(new PlanArtifact(name, sha, size.Value, resolved, cursor.Where(items[i], key)));
            }
        }

        return artifacts;
    }

    /// <summary>A file source must exist, be readable and have the declared size (its digest is checked by SourceDigests).</summary>
    private static void CheckSourceFile(YamlCursor cursor, YamlMappingNode? item, string key, string path, long size)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            cursor.Error(YamlCursor.Child(item, "source"), $"{key}.source", $"{path} does not exist (or is not a regular file)");
            return;
        }

        try
        {
            using var readable = file.OpenRead();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            cursor.Error(YamlCursor.Child(item, "source"), $"{key}.source", $"{path} cannot be read: {ex.Message}");
            return;
        }

        if (file.Length != size)
        {
            cursor.Error(YamlCursor.Child(item, "size"), $"{key}.size", $"is {size} bytes, but {path} has {file.Length}: correct the size, or the file");
        }
    }

    private static Dictionary<string, IReadOnlyList<PlanComponent>> ReadComponents(YamlCursor cursor, YamlMappingNode? root, HashSet<string> declared)
    {
        var result = new Dictionary<string, IReadOnlyList<PlanComponent>>(StringComparer.Ordinal);
        var byRole = cursor.Mapping(YamlCursor.Child(root, "components"), "components", true, Roles.ControlPlane, Roles.Worker);
        foreach (var role in new[] { Roles.ControlPlane, Roles.Worker })
        {
            var list = new List<PlanComponent>();
            var items = cursor.Sequence(YamlCursor.Child(byRole, role), $"components.{role}", false);
            for (var i = 0; i < items.Count; i++)
            {
                var key = $"components.{role}[{i}]";
                var item = cursor.Mapping(items[i], key, true, "name", "files", "marker");
                var name = cursor.Text(item, key, "name", true, Token(), "a component name such as kubelet (letters, digits, '.', '_', '-'; at most 64 characters)");
                var marker = cursor.Boolean(item, key, "marker", false);
                var filesNode = cursor.Mapping(YamlCursor.Child(item, "files"), $"{key}.files", true);
                var files = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (roleNode, artifactNode) in filesNode?.Children.Select(c => (c.Key, c.Value)) ?? [])
                {
                    var fileRole = (roleNode as YamlScalarNode)?.Value ?? "";
                    var artifact = (artifactNode as YamlScalarNode)?.Value ?? "";
                    if (!declared.Contains(artifact))
                    {
                        cursor.Error(artifactNode, $"{key}.files.{fileRole}", $"\"{YamlCursor.Shorten(artifact)}\" is not an artifact of this plan");
                    }

                    files[fileRole] = artifact;
                }

                if (name is not null && list.Any(c => c.Name == name))
                {
                    cursor.Error(YamlCursor.Child(item, "name"), $"{key}.name", $"\"{name}\" is listed twice for {role}");
                }

                if (name is not null && files.Count > 0)
                {
                    list.Add(new PlanComponent(name, files, marker, cursor.Where(YamlCursor.Child(item, "name"), $"{key}.name")));
                }
            }

            result[role] = list;
        }

        return result;
    }

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
            var item = cursor.Mapping(items[i], key, true, "name", "role", "address");
            var name = cursor.Text(item, key, "name", true, NodeName(), "a node name (letters, digits, '.', '_', '-'; at most 253 characters, as Kubernetes allows)");
            var role = cursor.Text(item, key, "role", true, RolePattern(), "control-plane or worker");
            var address = cursor.Text(item, key, "address", true);
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
                nodes.Add(new PlanNode(name, role, address));
            }
        }

        return nodes;
    }

    private static RolloutPolicy ReadPolicy(YamlCursor cursor, YamlNode? node, List<PlanNode> inventory)
    {
        var policy = cursor.Mapping(node, "policy", false,
            "canary", "batchSize", "maxConcurrency", "failureThreshold", "soak", "healthTimeout", "callTimeout", "retries", "rollbackOnFailure", "phases", "claimTtl");
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
            cursor.Duration(policy, "policy", "claimTtl", TimeSpan.FromMinutes(2), TimeSpan.FromHours(1), TimeSpan.FromSeconds(3)));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex Token();

    [GeneratedRegex("^[0-9a-f]{64}\\z")]
    private static partial Regex Digest();

    [GeneratedRegex(@"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]{1,48})?\z")]
    private static partial Regex Version();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,252}\\z")]
    private static partial Regex NodeName();

    [GeneratedRegex("^(control-plane|worker)\\z")]
    private static partial Regex RolePattern();
}
