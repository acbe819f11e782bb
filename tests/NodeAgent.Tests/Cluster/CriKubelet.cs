using NodeAgent.Contracts.Cri;

namespace NodeAgent.Tests.Cluster;

/// <summary>A pod sandbox a test started, with the config CreateContainer needs again.</summary>
internal sealed record CriPod(string Id, PodSandboxConfig Config);

/// <summary>A container a test started: its pod, name, runtime id and CRI attempt.</summary>
internal sealed record CriContainer(CriPod Pod, string Name, string Id, uint Attempt);

/// <summary>What a kubelet does through CRI, reduced to what the tests need: run pods and (re)create containers.</summary>
internal sealed class CriKubelet(RuntimeService.RuntimeServiceClient cri, string image)
{
    /// <summary>A pod on the host network (no CNI on the test machine), so no hostname: it shares the host's UTS namespace too.</summary>
    public async Task<CriPod> RunPodAsync(string podNamespace, string name)
    {
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = podNamespace, Uid = $"{podNamespace}-{name}" },
            Linux = new LinuxPodSandboxConfig
            {
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Node } },
            },
        };
        var response = await cri.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config });
        return new CriPod(response.PodSandboxId, config);
    }

    /// <summary>Creates and starts a container running <c>sleep 3600</c>.</summary>
    public async Task<CriContainer> RunContainerAsync(CriPod pod, string name, uint attempt = 0)
    {
        var created = await cri.CreateContainerAsync(new CreateContainerRequest
        {
            PodSandboxId = pod.Id,
            SandboxConfig = pod.Config,
            Config = new ContainerConfig
            {
                Metadata = new ContainerMetadata { Name = name, Attempt = attempt },
                Image = new ImageSpec { Image = image },
                Command = { "/bin/sleep", "3600" },
            },
        });
        await cri.StartContainerAsync(new StartContainerRequest { ContainerId = created.ContainerId });
        return new CriContainer(pod, name, created.ContainerId, attempt);
    }

    /// <summary>What the kubelet does to a container whose spec changed: kill, remove, create with the next attempt, start.</summary>
    public async Task<CriContainer> RecreateAsync(CriContainer container)
    {
        await cri.StopContainerAsync(new StopContainerRequest { ContainerId = container.Id, Timeout = 0 });
        await cri.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = container.Id });
        return await RunContainerAsync(container.Pod, container.Name, container.Attempt + 1);
    }

    public async Task<int> RunningCountAsync() =>
        (await cri.ListContainersAsync(new ListContainersRequest())).Containers.Count(c => c.State == ContainerState.ContainerRunning);
}
