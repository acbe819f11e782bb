using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Health;
using NodeAgent.Operations;

namespace NodeAgent.Components;

/// <summary>One owned file as it is on disk.</summary>
internal sealed record FileState(string Role, string Path, string? Digest, UnixFileMode Mode);

/// <summary>What the agent knows about a component right now.</summary>
internal sealed record ComponentState(
    CatalogComponent Component,
    ProbeResult? Probe,
    IReadOnlyList<FileState> Files,
    string? BusyOperationId,
    string? NeedsAttention,
    bool MarkerPresent);

/// <summary>Gathers the state of every component for GetInfo and agentctl status.</summary>
internal sealed class ComponentInspector(ComponentCatalog catalog, ComponentMonitor monitor, OperationRegistry registry, OperationJournal journal, DigestCache digests)
{
    public async Task<IReadOnlyList<ComponentState>> InspectAsync(bool probe, CancellationToken cancellationToken)
    {
        var states = new List<ComponentState>();
        foreach (var component in catalog.Components)
        {
            var result = probe ? await monitor.ProbeNowAsync(component, cancellationToken) : monitor.Last(component.Name);
            var files = new List<FileState>();
            foreach (var file in component.Files)
            {
                files.Add(new FileState(file.Role, file.Path, await digests.DigestAsync(file.Path, cancellationToken), file.Mode));
            }

            states.Add(new ComponentState(
                component,
                result,
                files,
                registry.BusyWith(component.Name),
                NeedsAttention(component.Name),
                component.Marker is { } marker && File.Exists(marker.Path)));
        }

        return states;
    }

    private string? NeedsAttention(string component)
    {
        if (journal.ComponentsNeedingAttention.Contains(component))
        {
            return "a journal file of this component could not be read at start and was set aside; check its files";
        }

        var latest = registry.Query(r => r.Component == component && r.Kind is OpKind.Apply or OpKind.Rollback && r.IsTerminal) is [var first, ..] ? first : null;
        return latest is { State: OpState.RollbackFailed } ? $"operation {latest.Id} ended rollback-failed: {latest.Message}" : null;
    }
}
