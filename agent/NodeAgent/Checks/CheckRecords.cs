namespace NodeAgent.Checks;

/// <summary>A running container in the journaled "before" snapshot of an apply (kept small: the journal is rewritten per step).</summary>
internal sealed class ContainerRecord
{
    public string PodNamespace { get; set; } = "";

    public string PodName { get; set; } = "";

    public string ContainerName { get; set; } = "";

    public string Id { get; set; } = "";

    public uint Attempt { get; set; }

    public string PodSandboxId { get; set; } = "";
}

/// <summary>A container that was running before the restart and is not the same running container after it.</summary>
internal sealed class RestartedContainerRecord
{
    public string PodNamespace { get; set; } = "";

    public string PodName { get; set; } = "";

    public string ContainerName { get; set; } = "";

    public string OldId { get; set; } = "";

    public string NewId { get; set; } = "";

    public uint OldAttempt { get; set; }

    public uint NewAttempt { get; set; }

    public string Reason { get; set; } = "";
}

/// <summary>The zero-restart proof of an apply, as journaled.</summary>
internal sealed class ContainerCheckRecord
{
    public bool Measured { get; set; }

    public int RunningBefore { get; set; }

    public int RunningAfter { get; set; }

    public List<RestartedContainerRecord> Restarted { get; set; } = [];

    public string Problem { get; set; } = "";
}

/// <summary>The API server connection count of an apply, as journaled; Before is null until counted.</summary>
internal sealed class ConnectionCountRecord
{
    public bool Measured { get; set; }

    public int? Before { get; set; }

    public int After { get; set; }

    public List<string> Endpoints { get; set; } = [];

    public string Problem { get; set; } = "";
}
