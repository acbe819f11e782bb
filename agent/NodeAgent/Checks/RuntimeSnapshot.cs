namespace NodeAgent.Checks;

/// <summary>One container as the runtime listed it, with its pod's identity.</summary>
internal sealed record SeenContainer(string PodNamespace, string PodName, string ContainerName, string Id, uint Attempt, string PodSandboxId, bool Running)
{
    /// <summary>What stays the same when the kubelet recreates the container: pod namespace/name and container name.</summary>
    public string Key => KeyOf(PodNamespace, PodName, ContainerName);

    public static string KeyOf(string podNamespace, string podName, string containerName) => $"{podNamespace}/{podName}/{containerName}";
}

/// <summary>All containers of the node at one moment.</summary>
internal sealed record RuntimeSnapshot(IReadOnlyList<SeenContainer> Containers)
{
    public IReadOnlyList<SeenContainer> Running => Containers.Where(c => c.Running).ToList();
}
