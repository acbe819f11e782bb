namespace NodeAgent.Checks;

/// <summary>
/// Compares the running containers before a restart with the runtime after it: each one not running with the
/// same id afterwards is reported, as recreated (another container of its pod and name runs), exited (the same
/// container, stopped) or gone (nothing of its pod and name is left).
/// </summary>
internal static class ContainerComparison
{
    public static ContainerCheckRecord Compare(IReadOnlyList<ContainerRecord> before, RuntimeSnapshot after)
    {
        var running = after.Running;
        var runningIds = running.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var check = new ContainerCheckRecord { Measured = true, RunningBefore = before.Count, RunningAfter = running.Count };
        foreach (var old in before.Where(c => !runningIds.Contains(c.Id)))
        {
            var key = Key(old);
            var successor = running.Where(c => c.Key == key).MaxBy(c => c.Attempt)
                ?? after.Containers.Where(c => c.Key == key && c.Id != old.Id).MaxBy(c => c.Attempt);
            check.Restarted.Add(new RestartedContainerRecord
            {
                PodNamespace = old.PodNamespace,
                PodName = old.PodName,
                ContainerName = old.ContainerName,
                OldId = old.Id,
                NewId = successor?.Id ?? "",
                OldAttempt = old.Attempt,
                NewAttempt = successor?.Attempt ?? old.Attempt,
                Reason = Reason(old, successor, after.Containers.Any(c => c.Id == old.Id)),
            });
        }

        return check;
    }

    public static ContainerRecord ToRecord(SeenContainer c) => new()
    {
        PodNamespace = c.PodNamespace,
        PodName = c.PodName,
        ContainerName = c.ContainerName,
        Id = c.Id,
        Attempt = c.Attempt,
        PodSandboxId = c.PodSandboxId,
    };

    private static string Reason(ContainerRecord old, SeenContainer? successor, bool stillListed)
    {
        if (successor is null)
        {
            return stillListed ? "exited" : "gone";
        }

        var attempts = $"attempt {old.Attempt} -> {successor.Attempt}";
        var where = successor.PodSandboxId == old.PodSandboxId ? "" : " in a new pod sandbox";
        return successor.Running ? $"recreated{where} ({attempts})" : $"recreated{where} ({attempts}), not running";
    }

    private static string Key(ContainerRecord c) => SeenContainer.KeyOf(c.PodNamespace, c.PodName, c.ContainerName);
}
