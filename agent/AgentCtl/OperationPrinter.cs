using System.Globalization;
using NodeAgent.Contracts.V1;

namespace AgentCtl;

/// <summary>Human rendering of operations and their events.</summary>
internal static class OperationPrinter
{
    public static string State(OperationState state) => state switch
    {
        OperationState.Running => "running",
        OperationState.Succeeded => "succeeded",
        OperationState.Failed => "failed",
        OperationState.RolledBack => "rolled-back",
        OperationState.RollbackFailed => "ROLLBACK-FAILED",
        _ => "unknown",
    };

    public static string Kind(OperationKind kind) => kind switch
    {
        OperationKind.WriteMarker => "write-marker",
        OperationKind.ClearMarker => "clear-marker",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static string Event(OperationEvent e) =>
        string.Create(CultureInfo.InvariantCulture, $"  {e.Time.ToDateTimeOffset():HH:mm:ss.fff} {e.Step,-14} {e.Message}");

    public static void Summary(TextWriter output, Operation op, Func<string, string> digest)
    {
        output.WriteLine($"operation {op.OperationId}: {Kind(op.Kind)} {op.Component} {State(op.State)}{(op.Existing ? " (existing operation; not run again)" : "")}");
        output.WriteLine($"  {op.Message}");
        if (op.FromVersion.Length > 0 || op.ToVersion.Length > 0)
        {
            output.WriteLine($"  version {Or(op.FromVersion)} -> {Or(op.ToVersion)}");
        }

        if (op.NewMainPid != 0)
        {
            output.WriteLine($"  main pid {op.OldMainPid} -> {op.NewMainPid}");
        }

        foreach (var file in op.Files)
        {
            output.WriteLine($"  {file.Role,-12} {file.Path}  {digest(file.OldSha256)} -> {digest(file.NewSha256)}");
        }

        Checks(output, op, digest);
    }

    /// <summary>The zero-restart proof and the connection count of an apply, when the component has them.</summary>
    private static void Checks(TextWriter output, Operation op, Func<string, string> digest)
    {
        if (op.Containers is { } containers)
        {
            output.WriteLine(containers.Measured
                ? $"  containers   {containers.RunningBefore} running before, {containers.RunningAfter} after, {containers.Restarted.Count} restarted"
                : $"  containers   not measured: {containers.Problem}");
            foreach (var c in containers.Restarted)
            {
                output.WriteLine($"    {c.PodNamespace}/{c.PodName} {c.ContainerName}: {c.Reason} ({digest(c.OldId)} -> {digest(c.NewId)})");
            }
        }

        if (op.Connections is { } connections)
        {
            output.WriteLine(connections.Measured
                ? $"  connections  {connections.Before} -> {connections.After} to {string.Join(", ", connections.Endpoints)}"
                : $"  connections  not measured: {connections.Problem}");
        }
    }

    public static string Short(string digest) => digest.Length >= 12 ? digest[..12] : digest.Length == 0 ? "(none)" : digest;

    private static string Or(string value) => value.Length == 0 ? "?" : value;
}
