namespace NodeAgent.Tests.Infrastructure;

/// <summary>How kubelet's binary is installed: at its catalog path, behind a file link, or in a linked versioned directory.</summary>
public enum InstallLayout
{
    Plain,

    /// <summary>node/bin/kubelet -> NODE/opt/kube/v1.10.11/kubelet (absolute); the config stays a plain file.</summary>
    FileLink,

    /// <summary>node/opt/kube/current -> v1.10.11 (relative), holding kubelet, kubelet.json and a README.</summary>
    DirectoryLink,
}
